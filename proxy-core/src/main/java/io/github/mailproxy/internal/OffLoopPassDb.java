package io.github.mailproxy.internal;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the lookups of a PassDb that may block (one that does not declare {@link PassDb#nonBlocking()})
 * on a bounded executor of the engine's, never on an event loop: a lambda making a JDBC call then
 * stalls one of these threads instead of every session of a loop. The answer is handed back to the
 * loop that asked, so that the auth cache and the auth strategy see it there, as they would the
 * answer of a PassDb that does not block.
 *
 * <p>When every thread is busy, lookups wait in a bounded queue; when that is full too, a lookup is
 * at once a temporary failure (the client is told to try later) and counted as the refusal
 * {@code passdb-busy}, so that a PassDb that hangs costs waiting logins, never a loop or memory.
 */
final class OffLoopPassDb implements PassDb {

    /** Lookups that may wait per thread; enough for a burst of logins while the threads are busy. */
    static final int QUEUE_PER_THREAD = 64;

    /** What a client's login fails with when the queue is full; the PassDb was not asked. */
    static final String BUSY = "too many passdb lookups waiting";

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final PassDb delegate;
    private final Executor executor;
    private final Supplier<Executor> callerLoop;
    private final java.util.function.Consumer<AuthRequest> onBusy;

    /**
     * @param delegate   the PassDb whose lookups may block
     * @param executor   where its lookups run; must reject rather than block or run on the caller when full
     * @param callerLoop the event loop of the calling thread, or null when called from elsewhere
     * @param onBusy     told of each lookup refused because the executor is full
     */
    OffLoopPassDb(PassDb delegate, Executor executor, Supplier<Executor> callerLoop,
                  java.util.function.Consumer<AuthRequest> onBusy) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.callerLoop = Objects.requireNonNull(callerLoop, "callerLoop");
        this.onBusy = Objects.requireNonNull(onBusy, "onBusy");
    }

    /**
     * The executor an engine gives this class: a fixed number of daemon threads, started on demand
     * and ended after a minute idle, and a queue of {@value #QUEUE_PER_THREAD} lookups per thread.
     *
     * @param threads the most lookups that run at once
     * @return the executor; the engine shuts it down when it closes
     */
    static ThreadPoolExecutor newExecutor(int threads) {
        String prefix = "mailproxy-passdb-" + POOLS.incrementAndGet() + "-";
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>((int) Math.min(Integer.MAX_VALUE, (long) threads * QUEUE_PER_THREAD)), r -> {
                    Thread t = new Thread(r, prefix + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        Executor loop = callerLoop.get();
        CompletableFuture<PassDbResult> answer = new CompletableFuture<>();
        try {
            executor.execute(() -> ask(request, answer, loop));
        } catch (RejectedExecutionException e) {
            onBusy.accept(request);
            return CompletableFuture.completedFuture(PassDbResult.temporaryFailure(BUSY));
        }
        return answer;
    }

    /** Runs on the executor: asks the PassDb, then hands its answer to the loop that asked. */
    private void ask(AuthRequest request, CompletableFuture<PassDbResult> answer, Executor loop) {
        CompletionStage<PassDbResult> stage;
        try {
            stage = delegate.lookup(request);
        } catch (RuntimeException e) {
            // the PassDb contract makes a thrown exception a temporary failure, like a failed stage
            stage = CompletableFuture.failedFuture(e);
        } catch (Error e) {
            // the login fails now rather than at the PassDb timeout; the pool replaces the thread
            deliver(answer, null, e, loop);
            throw e;
        }
        if (stage == null) {
            stage = CompletableFuture.failedFuture(new IllegalStateException("PassDb returned null"));
        }
        stage.whenComplete((result, failure) -> deliver(answer, result, failure, loop));
    }

    private static void deliver(CompletableFuture<PassDbResult> answer, PassDbResult result, Throwable failure,
                                Executor loop) {
        Runnable complete = () -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(result);
            }
        };
        if (loop == null) {
            complete.run();
        } else {
            loop.execute(complete);
        }
    }

    /** The cache key of the PassDb behind: this class changes where it runs, not what it answers. */
    @Override
    public Set<CacheKeyPart> cacheKey() {
        return delegate.cacheKey();
    }

    /** @return true: a lookup only queues work */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public String toString() {
        return "OffLoopPassDb[" + delegate + "]";
    }
}
