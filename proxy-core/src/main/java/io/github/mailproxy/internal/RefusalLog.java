package io.github.mailproxy.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Summarises refusals (connections over a limit, logins over the rate limit) in the log. Under attack
 * they come by the thousand a second; one line each would drown the log and cost more than the
 * refusal. The first refusal of a cause after a quiet interval is logged at once, so an operator
 * sees it start; the rest are counted and written as one line per cause by {@link #flush()}, which
 * the engine calls every {@link #INTERVAL_NANOS}, and by {@link #flushAtClose(long)} once more when
 * it closes, so no count is lost.
 *
 * <p>Thread-safe: every loop reports here.
 */
final class RefusalLog {

    /** How often counted refusals are written. */
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

    /** Refusals counted and not yet logged, by cause; a cause present with 0 had a line this interval. */
    private final Map<String, long[]> counts = new TreeMap<>();

    /**
     * Counts one refusal.
     *
     * @param cause a short token naming the cause, such as {@code connection-limit}
     */
    void refused(String cause) {
        boolean first;
        synchronized (counts) {
            long[] n = counts.get(cause);
            first = n == null;
            if (first) {
                counts.put(cause, new long[1]);
            } else {
                n[0]++;
            }
        }
        if (first) {
            LOG.warn("refused cause={} count=1", cause);
        }
    }

    /**
     * Writes one WARN line per cause with the refusals counted since the last flush; a cause without
     * any is forgotten, so that its next refusal is logged at once again.
     */
    void flush() {
        long interval = TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS);
        drain().forEach((cause, n) -> LOG.warn("refused cause={} count={} interval={}s", cause, n, interval));
    }

    /**
     * The engine is closing: writes what was counted since the last flush, at INFO. The refusals were
     * warned about when they started; a close is the operator's doing, and a monitor that alerts on
     * WARN should not fire because a server that refused a few connections was stopped.
     *
     * @param sinceLastFlushNanos how long ago the last flush was, for the line's {@code interval}
     */
    void flushAtClose(long sinceLastFlushNanos) {
        long interval = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(sinceLastFlushNanos));
        drain().forEach((cause, n) -> LOG.info("refused cause={} count={} interval={}s", cause, n, interval));
    }

    private Map<String, Long> drain() {
        Map<String, Long> due = new TreeMap<>();
        synchronized (counts) {
            var it = counts.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getValue()[0] == 0) {
                    it.remove();
                } else {
                    due.put(e.getKey(), e.getValue()[0]);
                    e.getValue()[0] = 0;
                }
            }
        }
        return due;
    }
}
