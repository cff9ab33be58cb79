package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The auth service on its own: a PassDb lambda, a strategy lambda, a single-thread "loop". */
class AuthServiceTest {

    private static final Duration BASE_DELAY = Duration.ofSeconds(2);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 40000);

    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
    private final AtomicLong now = new AtomicLong();
    private final AuthPenalty penalty = new AuthPenalty(BASE_DELAY, now::get);
    private final List<Duration> delays = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Runnable> delayed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();
    /** The PassDb lookup times the service reported, on the loop. */
    private final List<Duration> timed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean loginAllowed = true;
    private boolean trusted;
    private AuthService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        loop.shutdownNow();
    }

    private AuthService.Client client(PassDb passDb, AuthStrategy strategy, Duration passDbTimeout) {
        service = new AuthService(passDb, strategy, passDbTimeout, BASE_DELAY, penalty, a -> loginAllowed,
                (protocol, cause) -> refusals.add(cause.name()), (executor, task, delay) -> {
                    delays.add(delay);
                    delayed.add(() -> executor.execute(task));
                }, now::get);
        return service.client(new AuthService.Caller() {
            @Override
            public String sessionId() {
                return "s1";
            }

            @Override
            public java.util.concurrent.Executor loop() {
                return loop;
            }

            @Override
            public InetAddress clientIp() {
                return CLIENT.getAddress();
            }

            @Override
            public boolean trusted() {
                return trusted;
            }

            @Override
            public boolean open() {
                return true;
            }

            @Override
            public void passDbLookup(Duration took) {
                timed.add(took);
            }
        });
    }

    private PassDb found() {
        return request -> {
            lookups.incrementAndGet();
            return CompletableFuture.completedFuture(PassDbResult.found(Map.of("host", "192.0.2.1", "proxy", "y")));
        };
    }

    private static AuthStrategy deciding(AuthDecision decision) {
        return new AuthStrategy() {
            @Override
            public Set<String> mechanisms() {
                return Set.of("PLAIN");
            }

            @Override
            public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
                return CompletableFuture.completedFuture(decision);
            }
        };
    }

    private static AuthRequest login(String password) {
        return new AuthRequest("imap", "alice", password, "PLAIN", CLIENT, new InetSocketAddress("127.0.0.1", 143), false, "s1");
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedLoginIsAnsweredOnlyAfterTheFailureDelay() throws Exception {
        AuthService.Client client = client(found(), deciding(new AuthDecision.Reject(Failure.AUTH_FAILED, null)), Duration.ofSeconds(5));
        CompletableFuture<AuthDecision> decision = client.authenticate(login("wrong")).toCompletableFuture();
        Await.until("the failure delay scheduled", Duration.ofSeconds(5), () -> !delayed.isEmpty());

        assertThat(decision).isNotDone();
        assertThat(delays).containsExactly(BASE_DELAY);
        delayed.get(0).run();
        assertThat(await(decision)).isEqualTo(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
    }

    @Test
    void aBackendRefusalAfterAProxyDecisionRaisesThePenaltyOfTheClientsAddress() throws Exception {
        AuthDecision proxy = new AuthDecision.Proxy(new BackendTarget(List.of("192.0.2.1"), 0, io.github.mailproxy.TlsMode.PLAIN,
                null, false), BackendCredentials.forwarding("alice", "pw"));
        AuthService.Client client = client(found(), deciding(proxy), Duration.ofSeconds(5));
        assertThat(await(client.authenticate(login("pw")))).isEqualTo(proxy);

        client.afterFailureDelay(() -> { });
        client.afterFailureDelay(() -> { });

        assertThat(delays).containsExactly(BASE_DELAY, BASE_DELAY.multipliedBy(2));
    }

    @Test
    void aSucceededLoginClearsThePenalty() throws Exception {
        AuthService.Client client = client(found(), deciding(new AuthDecision.Reject(Failure.AUTH_FAILED, null)), Duration.ofSeconds(5));
        client.afterFailureDelay(() -> { });
        client.succeeded();
        client.afterFailureDelay(() -> { });

        assertThat(delays).containsExactly(BASE_DELAY, BASE_DELAY);
    }

    @Test
    void aPassDbThatNeverAnswersGivesATemporaryFailureAfterItsTimeout() throws Exception {
        PassDb silent = request -> new CompletableFuture<>();
        AuthService.Client client = client(silent, deciding(new AuthDecision.Local("alice")), Duration.ofMillis(50));

        assertThat(await(client.authenticate(login("pw")))).isEqualTo(new AuthDecision.Reject(Failure.TEMPORARY, null));
        assertThat(await(client.lookup(login(null))).status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
    }

    @Test
    void aStrategyThatCompletesWithNullGivesATemporaryFailure() throws Exception {
        AuthService.Client client = client(found(), deciding(null), Duration.ofSeconds(5));

        assertThat(await(client.authenticate(login("pw")))).isEqualTo(new AuthDecision.Reject(Failure.TEMPORARY, null));
    }

    @Test
    void aPassDbThatThrowsGivesATemporaryFailure() throws Exception {
        PassDb throwing = request -> {
            throw new IllegalStateException("boom");
        };
        AuthService.Client client = client(throwing, deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        assertThat(await(client.authenticate(login("pw")))).isEqualTo(new AuthDecision.Reject(Failure.TEMPORARY, null));
    }

    @Test
    void overTheLoginRateTheClientIsRefusedWithoutAskingThePassDb() throws Exception {
        loginAllowed = false;
        AuthService.Client client = client(found(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        PassDbResult result = await(client.lookup(login(null)));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(lookups).hasValue(0);
        assertThat(refusals).containsExactly("MAX_LOGINS_PER_IP");
    }

    /** A PassDb that takes 7 ms of the test's ticker. */
    private PassDb slow() {
        PassDb found = found();
        return request -> {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(7));
            return found.lookup(request);
        };
    }

    @Test
    void aLookupIsTimedWithTheTickerAndReportedBeforeTheDecision() throws Exception {
        AuthService.Client client = client(slow(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));
        List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();

        await(client.authenticate(login("pw")).thenRun(() -> order.add("decided " + timed)));

        assertThat(order).containsExactly("decided [PT0.007S]");
    }

    @Test
    void aCacheHitAsksNoPassDbAndReportsNoLookup() throws Exception {
        AuthService.Client client = client(new AuthCache(io.github.mailproxy.AuthCacheSpec.maximumSize(10), slow()),
                deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        await(client.authenticate(login("pw")));
        await(client.lookup(login(null)));

        assertThat(lookups).hasValue(1);
        assertThat(timed).containsExactly(Duration.ofMillis(7));
    }

    @Test
    void aLoginOverTheRateLimitReportsNoLookup() throws Exception {
        loginAllowed = false;
        AuthService.Client client = client(slow(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        await(client.authenticate(login("pw")));

        assertThat(timed).isEmpty();
    }

    @Test
    void aTrustedClientIsNeitherRateLimitedNorPenalised() throws Exception {
        loginAllowed = false;
        trusted = true;
        AuthService.Client client = client(found(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        assertThat(await(client.lookup(login(null))).isFound()).isTrue();
        client.afterFailureDelay(() -> { });
        client.afterFailureDelay(() -> { });
        assertThat(delays).containsExactly(BASE_DELAY, BASE_DELAY);
        assertThat(refusals).isEmpty();
    }

    @Test
    void offloadedWorkRunsOnTheHashingPoolAndCompletesOnTheLoop() throws Exception {
        AuthService.Client client = client(found(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));

        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        loop.execute(() -> {
            try {
                gate.await(); // holds the loop until the test has registered its callback
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        CompletionStage<String> offloaded = client.offload(() -> Thread.currentThread().getName())
                .whenComplete((v, e) -> completedOn.complete(Thread.currentThread().getName()));
        gate.countDown();
        String ranOn = await(offloaded);

        assertThat(ranOn).isEqualTo("mailproxy-hashing");
        assertThat(completedOn.get(5, TimeUnit.SECONDS)).isEqualTo("test-loop");
    }

    @Test
    void afterCloseOffloadedWorkFailsInsteadOfHanging() throws Exception {
        AuthService.Client client = client(found(), deciding(new AuthDecision.Local("alice")), Duration.ofSeconds(5));
        service.close();

        CompletableFuture<String> work = client.offload(() -> "x").toCompletableFuture();

        assertThat(work).isCompletedExceptionally();
    }
}
