package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionListener;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Login decisions of the last minutes in fixed intervals, for the status page's chart: a ring of
 * {@link #INTERVALS} slots of {@link #INTERVAL_SECONDS} seconds each, written by the event loops with
 * atomic updates and read by the admin listener. A slot is reset by the first decision of its new
 * interval; a decision made by another loop at that very moment may be lost, which a chart can bear.
 */
final class LoginHistory implements SessionListener {

    /** Seconds per slot. */
    static final int INTERVAL_SECONDS = 10;
    /** Slots kept: ten minutes. */
    static final int INTERVALS = 60;

    /**
     * Counts per interval, oldest first, the last one being the current (partial) interval.
     *
     * @param intervalSeconds seconds per interval
     * @param logins          login decisions of each interval, whatever their outcome
     * @param failures        of those, the failed ones (authentication or temporary failure)
     */
    record Snapshot(int intervalSeconds, long[] logins, long[] failures) {
    }

    private final Clock clock;
    private final AtomicLongArray epochs = new AtomicLongArray(INTERVALS);
    private final AtomicLongArray logins = new AtomicLongArray(INTERVALS);
    private final AtomicLongArray failures = new AtomicLongArray(INTERVALS);

    LoginHistory(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void loginDecided(LoginEvent event) {
        long epoch = epoch();
        int slot = (int) (epoch % INTERVALS);
        long seen = epochs.get(slot);
        if (seen != epoch && epochs.compareAndSet(slot, seen, epoch)) {
            logins.set(slot, 0);
            failures.set(slot, 0);
        }
        logins.incrementAndGet(slot);
        if (event.outcome() == SessionEvent.Outcome.AUTH_FAILED
                || event.outcome() == SessionEvent.Outcome.TEMPORARY_FAILURE) {
            failures.incrementAndGet(slot);
        }
    }

    @Override
    public void sessionClosed(SessionEvent event) {
        // the chart shows login decisions only
    }

    /** @return the counts of the last {@link #INTERVALS} intervals, oldest first */
    Snapshot snapshot() {
        long now = epoch();
        long[] l = new long[INTERVALS];
        long[] f = new long[INTERVALS];
        for (int i = 0; i < INTERVALS; i++) {
            long epoch = now - (INTERVALS - 1) + i;
            int slot = (int) (epoch % INTERVALS);
            if (epoch >= 0 && epochs.get(slot) == epoch) {
                l[i] = logins.get(slot);
                f[i] = failures.get(slot);
            }
        }
        return new Snapshot(INTERVAL_SECONDS, l, f);
    }

    private long epoch() {
        return clock.millis() / (INTERVAL_SECONDS * 1000L);
    }
}
