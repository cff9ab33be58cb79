package io.github.mailproxy;

/**
 * A nanosecond time source, for durations only (as {@link System#nanoTime()}): the clock that
 * expiring per-address state is measured by, such as the auth penalty and the login rate. Tests pass
 * one they advance by hand to {@link ProxyServer.Builder#ticker(Ticker)}:
 *
 * <pre>{@code
 * AtomicLong now = new AtomicLong();
 * ProxyServer.builder().ticker(now::get) ...
 * now.addAndGet(Duration.ofHours(1).toNanos());
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {

    /**
     * @return nanoseconds since an arbitrary origin, never decreasing; thread-safe
     */
    long read();

    /** @return the default ticker, {@link System#nanoTime()} */
    static Ticker systemTicker() {
        return SystemTicker.INSTANCE;
    }
}
