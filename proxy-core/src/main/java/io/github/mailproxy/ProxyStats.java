package io.github.mailproxy;

import java.util.Map;

/**
 * Counters of a running {@link ProxyServer}, for monitoring and for tests that check nothing leaks.
 * The per-protocol counts are read with {@link #logins(String, SessionEvent.Outcome)},
 * {@link #sessionsClosed(String, SessionEvent.Outcome)} and {@link #openSessions(String)}.
 *
 * @param openSessions  client sessions open now
 * @param totalSessions client sessions accepted since start
 * @param buffersInUse  pooled buffers taken and not yet given back
 * @param buffersPooled pooled buffers idle in the pool
 * @param openBackendConnections backend connections open now
 * @param authCacheHits  lookups answered by the auth cache (0 without a cache)
 * @param authCacheMisses lookups that went to the PassDb through the auth cache (0 without a cache)
 * @param queuedReplyBytes bytes the proxy itself wrote (replies to clients before login, login
 *                         commands to backends) that are queued and not yet sent; each session's
 *                         share stays near {@link ProxyServer.Builder#maxPendingOutput(int)}
 * @param loginCounts    decided login attempts since start, by protocol and outcome (absent: none)
 * @param closedCounts   sessions closed since start, by protocol and outcome (absent: none)
 * @param openByProtocol sessions open now, by protocol (absent: none)
 */
public record ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                         int openBackendConnections, long authCacheHits, long authCacheMisses,
                         long queuedReplyBytes, Map<String, Map<SessionEvent.Outcome, Long>> loginCounts,
                         Map<String, Map<SessionEvent.Outcome, Long>> closedCounts,
                         Map<String, Integer> openByProtocol) {

    /** Copies the maps, so that the counters stay a snapshot. */
    public ProxyStats {
        loginCounts = copy(loginCounts);
        closedCounts = copy(closedCounts);
        openByProtocol = openByProtocol == null ? Map.of() : Map.copyOf(openByProtocol);
    }

    /**
     * The counters without the per-protocol counts (taken as none).
     *
     * @param openSessions           client sessions open now
     * @param totalSessions          client sessions accepted since start
     * @param buffersInUse           pooled buffers taken and not yet given back
     * @param buffersPooled          pooled buffers idle in the pool
     * @param openBackendConnections backend connections open now
     * @param authCacheHits          lookups answered by the auth cache
     * @param authCacheMisses        lookups that went to the PassDb through the auth cache
     * @param queuedReplyBytes       bytes the proxy itself wrote that are not yet sent
     */
    public ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                      int openBackendConnections, long authCacheHits, long authCacheMisses, long queuedReplyBytes) {
        this(openSessions, totalSessions, buffersInUse, buffersPooled, openBackendConnections, authCacheHits,
                authCacheMisses, queuedReplyBytes, Map.of(), Map.of(), Map.of());
    }

    /**
     * The counters without {@code queuedReplyBytes} (taken as 0), as before it existed.
     *
     * @param openSessions           client sessions open now
     * @param totalSessions          client sessions accepted since start
     * @param buffersInUse           pooled buffers taken and not yet given back
     * @param buffersPooled          pooled buffers idle in the pool
     * @param openBackendConnections backend connections open now
     * @param authCacheHits          lookups answered by the auth cache
     * @param authCacheMisses        lookups that went to the PassDb through the auth cache
     */
    public ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                      int openBackendConnections, long authCacheHits, long authCacheMisses) {
        this(openSessions, totalSessions, buffersInUse, buffersPooled, openBackendConnections, authCacheHits,
                authCacheMisses, 0);
    }

    /**
     * Login attempts decided since start, as {@link SessionListener#loginDecided} hears them: a client
     * that fails twice and then logs in counts two {@code AUTH_FAILED} and one {@code PROXIED}.
     *
     * @param protocol {@code imap} or {@code pop3}
     * @param outcome  a login outcome ({@code PROXIED}, {@code AUTH_FAILED}, {@code TEMPORARY_FAILURE},
     *                 {@code REFERRED}); other outcomes end sessions, never logins, and count 0 here
     * @return how many
     */
    public long logins(String protocol, SessionEvent.Outcome outcome) {
        return count(loginCounts, protocol, outcome);
    }

    /**
     * Sessions closed since start, each counted once by the outcome of its {@link SessionEvent}.
     *
     * @param protocol {@code imap} or {@code pop3}
     * @param outcome  how they ended
     * @return how many
     */
    public long sessionsClosed(String protocol, SessionEvent.Outcome outcome) {
        return count(closedCounts, protocol, outcome);
    }

    /**
     * @param protocol {@code imap} or {@code pop3}
     * @return the sessions of that protocol open now
     */
    public int openSessions(String protocol) {
        return openByProtocol.getOrDefault(protocol, 0);
    }

    private static long count(Map<String, Map<SessionEvent.Outcome, Long>> counts, String protocol,
                              SessionEvent.Outcome outcome) {
        Map<SessionEvent.Outcome, Long> byOutcome = counts.get(protocol);
        return byOutcome == null ? 0 : byOutcome.getOrDefault(outcome, 0L);
    }

    private static Map<String, Map<SessionEvent.Outcome, Long>> copy(Map<String, Map<SessionEvent.Outcome, Long>> counts) {
        if (counts == null) {
            return Map.of();
        }
        java.util.Map<String, Map<SessionEvent.Outcome, Long>> out = new java.util.HashMap<>();
        counts.forEach((protocol, byOutcome) -> out.put(protocol, Map.copyOf(byOutcome)));
        return Map.copyOf(out);
    }
}
