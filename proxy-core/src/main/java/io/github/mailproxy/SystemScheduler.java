package io.github.mailproxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** {@link Scheduler#systemScheduler()}: the JDK's delayed executor, whose one daemon timer thread only hands tasks over. */
enum SystemScheduler implements Scheduler {
    INSTANCE;

    @Override
    public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        return CompletableFuture.runAsync(command, CompletableFuture.delayedExecutor(delay, unit, executor));
    }

    @Override
    public String toString() {
        return "Scheduler.systemScheduler()";
    }
}
