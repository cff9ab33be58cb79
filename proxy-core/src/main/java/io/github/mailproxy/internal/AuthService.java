package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.Ticker;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's auth service: asks the PassDb (within its timeout, after the per-address login rate
 * check), lets the auth strategy decide, and answers failed logins after the failure delay, which
 * the auth penalty lengthens per client address. Owns the pool that CPU-heavy verification
 * (SCRAM key derivation, stored-hash checks of verified mechanisms) runs on. One per server; each
 * session talks to it through its own {@link Client}, whose stages complete on the session's loop.
 */
final class AuthService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);

    /** Runs a task on a loop after a delay, without blocking anything (the server's scheduler). */
    @FunctionalInterface
    interface Delayer {
        /**
         * @param loop  where the task runs
         * @param task  the task
         * @param delay how long from now
         */
        void schedule(Executor loop, Runnable task, Duration delay);
    }

    /** The session as the auth service needs to know it. */
    interface Caller {
        /** @return the session id, for logs */
        String sessionId();

        /** @return the session's loop: every stage the client gets completes there */
        Executor loop();

        /** @return the client's address as the session reports it (a trusted peer may name it) */
        InetAddress clientIp();

        /** @return whether the connection comes from the login trusted networks: no rate limit or penalty */
        boolean trusted();

        /** @return whether the session is still open; delayed replies of closed sessions are dropped */
        boolean open();

        /**
         * How long the PassDb took for the lookup of a login; not called when none was asked (an auth
         * cache hit, a login over the rate limit). Called on the session's loop, before the stage of
         * that login completes.
         *
         * @param took the time from asking to the answer (or the timeout)
         */
        default void passDbLookup(Duration took) {
        }
    }

    private final PassDb passDb;
    private final AuthStrategy strategy;
    private final Duration passDbTimeout;
    private final Duration failureDelay;
    private final AuthPenalty penalty;
    private final Predicate<InetAddress> loginAllowed;
    private final BiConsumer<String, RefusalCause> refused;
    private final Ticker ticker;
    private final Delayer delayer;
    private final ExecutorService hashing;

    /**
     * @param passDb        the PassDb, cache included
     * @param strategy      the auth strategy
     * @param passDbTimeout how long a lookup may take before it counts as a temporary failure
     * @param failureDelay  the failure delay of trusted clients (others get the penalty's)
     * @param penalty       failed logins by client address
     * @param loginAllowed  counts a login attempt of an address; false once over the rate limit
     * @param refused       counts a refusal by protocol and cause
     * @param delayer       the scheduler of delayed replies
     * @param ticker        the clock PassDb lookups are timed by
     */
    AuthService(PassDb passDb, AuthStrategy strategy, Duration passDbTimeout, Duration failureDelay,
                AuthPenalty penalty, Predicate<InetAddress> loginAllowed, BiConsumer<String, RefusalCause> refused,
                Delayer delayer, Ticker ticker) {
        this.passDb = passDb;
        this.strategy = strategy;
        this.passDbTimeout = passDbTimeout;
        this.failureDelay = failureDelay;
        this.penalty = penalty;
        this.loginAllowed = loginAllowed;
        this.refused = refused;
        this.delayer = delayer;
        this.ticker = ticker;
        this.hashing = newHashingExecutor();
    }

    /** Hashing is CPU work: one bounded pool the size of the machine, its queue bounded too. */
    static ExecutorService newHashingExecutor() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "mailproxy-hashing");
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /** @return the auth strategy, for the mechanisms and password schemes it serves */
    AuthStrategy strategy() {
        return strategy;
    }

    /**
     * @param caller the session
     * @return the session's view of this service
     */
    Client client(Caller caller) {
        return new Client(caller);
    }

    /** Stops the hashing pool; work queued there is dropped, its sessions are closing anyway. */
    @Override
    public void close() {
        hashing.shutdownNow();
    }

    /**
     * @param took gets the nanoseconds the PassDb took, before the returned stage completes; not
     *             called when it was not asked (over the rate limit, an auth cache hit)
     */
    private CompletionStage<PassDbResult> passDbLookup(Caller caller, AuthRequest request, LongConsumer took) {
        if (!caller.trusted() && !loginAllowed.test(caller.clientIp())) {
            refused.accept(request.protocol(), RefusalCause.MAX_LOGINS_PER_IP);
            return CompletableFuture.completedFuture(PassDbResult.temporaryFailure("login rate limit of the client's address"));
        }
        long start = ticker.read();
        boolean[] asked = {true};
        CompletionStage<PassDbResult> stage;
        try {
            stage = passDb instanceof AuthCache cache ? cache.lookup(request, hit -> asked[0] = !hit) : passDb.lookup(request);
        } catch (RuntimeException e) {
            took.accept(ticker.read() - start);
            return CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("PassDb returned null"));
        }
        // a copy, so that the timeout never completes the PassDb's own future
        CompletableFuture<PassDbResult> bounded = new CompletableFuture<>();
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                bounded.completeExceptionally(failure);
            } else {
                bounded.complete(result);
            }
        });
        return bounded.orTimeout(passDbTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, f) -> {
            if (asked[0]) {
                took.accept(ticker.read() - start);
            }
        });
    }

    /**
     * One session's logins. Every stage completes on the session's loop. Remembers the credentials
     * of the login last decided, so that a refusal by the backend later counts against them too.
     */
    final class Client {
        private final Caller caller;
        /** Keyed hash of the pending login's credentials; {@link AuthPenalty#UNKNOWN} when none is pending. */
        private long pendingCredentials = AuthPenalty.UNKNOWN;

        private Client(Caller caller) {
            this.caller = caller;
        }

        /**
         * @param request the login attempt
         * @return the strategy's decision; a failing PassDb or strategy gives a temporary rejection,
         *         an {@code AUTH_FAILED} rejection comes after the failure delay
         */
        CompletionStage<AuthDecision> authenticate(AuthRequest request) {
            long[] took = {-1};
            return decide(request, passDbLookup(caller, request, n -> took[0] = n), took);
        }

        /**
         * @param request a login the protocol has verified itself
         * @param result  what {@link #lookup} returned
         * @return the strategy's decision, as {@link #authenticate}'s
         */
        CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
            return decide(request, CompletableFuture.completedFuture(result), new long[] {-1});
        }

        /**
         * @param request the login attempt, without password
         * @return what the PassDb said; a failing PassDb gives a temporary failure result
         */
        CompletionStage<PassDbResult> lookup(AuthRequest request) {
            CompletableFuture<PassDbResult> done = new CompletableFuture<>();
            long[] took = {-1};
            passDbLookup(caller, request, n -> took[0] = n).whenComplete((result, failure) -> caller.loop().execute(() -> {
                reportLookup(took);
                if (failure != null || result == null) {
                    LOG.warn("session={} msg=\"passdb lookup failed\" error={}", caller.sessionId(), errorType(failure));
                    done.complete(PassDbResult.temporaryFailure("passdb lookup failed"));
                } else {
                    done.complete(result);
                }
            }));
            return done;
        }

        /**
         * @param work CPU-heavy work
         * @param <T>  its result type
         * @return a stage completed on the session's loop, exceptionally if the work failed or the
         *         pool's queue is full
         */
        <T> CompletionStage<T> offload(Supplier<T> work) {
            CompletableFuture<T> done = new CompletableFuture<>();
            try {
                CompletableFuture.supplyAsync(work, hashing).whenComplete((value, failure) -> caller.loop().execute(() -> {
                    if (failure != null) {
                        done.completeExceptionally(failure);
                    } else {
                        done.complete(value);
                    }
                }));
            } catch (RejectedExecutionException e) {
                done.completeExceptionally(e);
            }
            return done;
        }

        private void reportLookup(long[] took) {
            if (took[0] >= 0) {
                caller.passDbLookup(Duration.ofNanos(took[0]));
            }
        }

        private CompletionStage<AuthDecision> decide(AuthRequest request, CompletionStage<PassDbResult> lookup,
                                                     long[] took) {
            CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
            lookup.thenCompose(result -> {
                if (result == null) {
                    throw new IllegalStateException("PassDb returned null");
                }
                return strategy.decide(request, result);
            }).whenComplete((d, failure) -> caller.loop().execute(() -> {
                reportLookup(took);
                AuthDecision done = d;
                if (failure != null || done == null) {
                    // the exception's text may carry what the PassDb was given: log its type only
                    LOG.warn("session={} msg=\"authentication failed temporarily\" error={}", caller.sessionId(),
                            failure == null ? "no-decision" : errorType(failure));
                    done = new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null);
                }
                AuthDecision result = done;
                boolean refusedLogin = result instanceof AuthDecision.Reject r
                        && r.failure() == AuthDecision.Failure.AUTH_FAILED;
                // a proxied login may still be refused by the backend: remember its credentials for the penalty
                pendingCredentials = refusedLogin || result instanceof AuthDecision.Proxy
                        ? penalty.credentials(request) : AuthPenalty.UNKNOWN;
                if (refusedLogin) {
                    afterFailureDelay(() -> decision.complete(result));
                } else {
                    decision.complete(result);
                }
            }));
            return decision;
        }

        /**
         * Every failed login's reply comes through here, whoever refused it (the strategy, the
         * backend, a SASL exchange), so this is where the failure is counted for the client's address.
         *
         * @param reply what to do after the delay, on the session's loop; dropped if it has closed
         */
        void afterFailureDelay(Runnable reply) {
            long credentials = pendingCredentials;
            pendingCredentials = AuthPenalty.UNKNOWN;
            Duration delay = caller.trusted() ? failureDelay : penalty.failed(caller.clientIp(), credentials);
            LOG.debug("session {}: failed login answered after {} ms", caller.sessionId(), delay.toMillis());
            if (delay.isZero()) {
                reply.run();
                return;
            }
            delayer.schedule(caller.loop(), () -> {
                if (caller.open()) {
                    reply.run();
                }
            }, delay);
        }

        /** A login went through: the client's address starts again without penalty. */
        void succeeded() {
            if (!caller.trusted()) {
                penalty.succeeded(caller.clientIp());
            }
        }
    }

    /** The innermost cause's type: its text may carry what the PassDb was given. */
    private static String errorType(Throwable failure) {
        if (failure == null) {
            return "null-result";
        }
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getClass().getName();
    }
}
