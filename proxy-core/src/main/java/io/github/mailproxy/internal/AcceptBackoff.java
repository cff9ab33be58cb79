package io.github.mailproxy.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one loop does when accepting on one listener fails, typically for lack of file descriptors
 * ({@code Too many open files}): the connection stays in the kernel's backlog and the listener
 * stays readable, so retrying at once would spin. The loop instead stops accepting there for a pause
 * that doubles from 10 ms to 1 s while failures go on and starts again from nothing after a success,
 * serving its sessions meanwhile (closing them is what frees descriptors). Failures are logged at
 * most once a second per loop and listener, with the number since the last line.
 *
 * <p>Used only on its loop's thread.
 */
final class AcceptBackoff {

    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(AcceptBackoff.class);

    private final String listener;
    private final String loop;
    private long pauseNanos;
    private long unlogged;
    private long lastLogNanos;
    private boolean everLogged;

    /**
     * @param listener the listening address, for the log
     * @param loop     the loop's name, for the log
     */
    AcceptBackoff(String listener, String loop) {
        this.listener = listener;
        this.loop = loop;
    }

    /**
     * Counts a failed accept.
     *
     * @param cause the failure
     * @param now   {@link System#nanoTime()}
     * @return how long to stop accepting on this listener
     */
    long failed(IOException cause, long now) {
        pauseNanos = pauseNanos == 0 ? FIRST_PAUSE_NANOS : Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
        unlogged++;
        if (!everLogged || now - lastLogNanos >= LOG_INTERVAL_NANOS) {
            LOG.warn("accept failed listener={} loop={} cause={} count={} backoff={}ms", listener, loop,
                    Text.logValue(cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()),
                    unlogged, TimeUnit.NANOSECONDS.toMillis(pauseNanos));
            logged(now);
        }
        return pauseNanos;
    }

    /**
     * Counts a successful accept: the pause starts from nothing again; failures not logged yet are,
     * once the log interval has passed.
     *
     * @param now {@link System#nanoTime()}
     */
    void succeeded(long now) {
        pauseNanos = 0;
        if (unlogged > 0 && now - lastLogNanos >= LOG_INTERVAL_NANOS) {
            LOG.info("accept recovered listener={} loop={} failed={}", listener, loop, unlogged);
            logged(now);
        }
    }

    /** @return whether accepting is paused after a failure, or failures wait to be logged */
    boolean troubled() {
        return pauseNanos != 0 || unlogged > 0;
    }

    private void logged(long now) {
        unlogged = 0;
        lastLogNanos = now;
        everLogged = true;
    }
}
