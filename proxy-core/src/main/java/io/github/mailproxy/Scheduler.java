package io.github.mailproxy;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay; the server uses it for delayed work such as holding back the reply to
 * a failed login ({@link ProxyServer.Builder#authFailureDelay(java.time.Duration)}). Tests pass one
 * they control to {@link ProxyServer.Builder#scheduler(Scheduler)}:
 *
 * <pre>{@code
 * List<Runnable> due = new CopyOnWriteArrayList<>();
 * Scheduler manual = (executor, command, delay, unit) -> {
 *     due.add(() -> executor.execute(command));
 *     return CompletableFuture.completedFuture(null);
 * };
 * }</pre>
 *
 * <p>Implementations must be thread-safe and must not run {@code command} themselves: they hand it
 * to {@code executor} (the session's event loop) once the delay has passed.
 */
@FunctionalInterface
public interface Scheduler {

    /**
     * Hands {@code command} to {@code executor} after {@code delay}.
     *
     * @param executor where the command must run; it is never run elsewhere
     * @param command  the task
     * @param delay    how long to wait, in {@code unit}
     * @param unit     the unit of {@code delay}
     * @return a future that completes when the command has been handed over; cancelling it may, but
     *         need not, keep the command from being handed over
     */
    Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit);

    /**
     * @return the default scheduler: the JDK's {@link java.util.concurrent.CompletableFuture#delayedExecutor}
     *         on its shared timer thread
     */
    static Scheduler systemScheduler() {
        return SystemScheduler.INSTANCE;
    }
}
