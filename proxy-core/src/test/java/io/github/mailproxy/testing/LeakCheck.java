package io.github.mailproxy.testing;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ProxyStats;
import java.time.Duration;

/** Asserts that a proxy has no session, backend connection or pooled buffer left open. */
public final class LeakCheck {

    private LeakCheck() {
    }

    /**
     * Waits up to ten seconds for the proxy's counters to return to zero.
     *
     * @param server the proxy
     * @throws AssertionError naming the counters if they do not
     */
    public static void assertNothingLeaked(ProxyServer server) {
        Await.until(() -> "no sessions and no buffers in use, but " + server.stats(), Duration.ofSeconds(10), () -> {
            ProxyStats s = server.stats();
            return s.openSessions() == 0 && s.buffersInUse() == 0 && s.openBackendConnections() == 0;
        });
    }
}
