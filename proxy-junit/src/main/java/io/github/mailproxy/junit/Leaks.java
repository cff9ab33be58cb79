package io.github.mailproxy.junit;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ProxyStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Decides whether a proxy is idle, giving clients that are closing a deadline to finish. */
final class Leaks {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Leaks() {
    }

    /**
     * Waits until the proxy has no open session, backend connection or buffer in use.
     *
     * @param server  the proxy
     * @param timeout how long clients may take to finish closing
     * @throws AssertionError naming the counters still above zero
     */
    static void awaitIdle(ProxyServer server, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ProxyStats stats = server.stats();
        // a client's close reaches the proxy's event loop a little later: poll, but only up to the deadline
        while (!isIdle(stats) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            stats = server.stats();
        }
        if (!isIdle(stats)) {
            throw new AssertionError(message(stats, timeout));
        }
    }

    static boolean isIdle(ProxyStats stats) {
        return stats.openSessions() == 0 && stats.openBackendConnections() == 0 && stats.buffersInUse() == 0;
    }

    static String message(ProxyStats stats, Duration timeout) {
        List<String> open = new ArrayList<>();
        count(open, stats.openSessions(), "session");
        count(open, stats.openBackendConnections(), "backend connection");
        count(open, stats.buffersInUse(), "buffer");
        return "ProxyExtension: the test leaked " + String.join(", ", open) + " (openSessions=" + stats.openSessions()
                + ", openBackendConnections=" + stats.openBackendConnections() + ", buffersInUse=" + stats.buffersInUse()
                + ") still open " + timeout.toMillis() + " ms after it ended; close every client "
                + "(Store.close(), Socket.close()) before the test returns";
    }

    private static void count(List<String> open, int n, String what) {
        if (n > 0) {
            open.add(n + " " + what + (n == 1 ? "" : "s"));
        }
    }
}
