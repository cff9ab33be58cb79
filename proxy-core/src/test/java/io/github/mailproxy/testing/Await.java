package io.github.mailproxy.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping a fixed time. */
public final class Await {

    private Await() {
    }

    /**
     * Polls until the condition holds.
     *
     * @param what      what is awaited, for the failure message
     * @param timeout   how long to wait at most
     * @param condition the condition
     * @throws AssertionError if it does not hold in time
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(() -> what, timeout, condition);
    }

    /**
     * Polls until the condition holds.
     *
     * @param what      describes the state when it fails
     * @param timeout   how long to wait at most
     * @param condition the condition
     * @throws AssertionError if it does not hold in time
     */
    public static void until(Supplier<String> what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5);  // a poll interval, not synchronisation: the condition decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
