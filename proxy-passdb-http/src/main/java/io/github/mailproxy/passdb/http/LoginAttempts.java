package io.github.mailproxy.passdb.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts the logins of each session, for {@code Auth-Login-Attempt}. A PassDb does not see sessions end, so the
 * count is kept for the most recently active sessions only: the least recently asked about is forgotten when
 * more than {@code capacity} are known, long after its login (a session has {@code login.timeout} to log in).
 * The lock is held for a map operation only, so callers on an event loop do not wait on I/O.
 */
final class LoginAttempts {

    private final Map<String, Integer> counts;

    LoginAttempts(int capacity) {
        this.counts = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * @param sessionId the session
     * @return 1 for its first login, 2 for its second, ...
     */
    synchronized int next(String sessionId) {
        return counts.merge(sessionId, 1, Integer::sum);
    }
}
