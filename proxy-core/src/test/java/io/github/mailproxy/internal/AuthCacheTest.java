package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AuthCacheTest {

    private static final AuthCacheSpec SPEC = AuthCacheSpec.maximumSize(4096)
            .expireAfterWrite(Duration.ofMinutes(5))
            .negativeExpireAfterWrite(Duration.ofMinutes(1));

    private final FakeTicker ticker = new FakeTicker();

    @Test
    void repeatedLookupsOfOneUserReachThePassDbOnce() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(Map.of("proxy", "y", "host", "10.0.0.1")));
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        for (int i = 0; i < 10; i++) {
            assertThat(lookup(cache, request("john", "secret")).field("host")).contains("10.0.0.1");
        }

        assertThat(db.calls.get()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(9);
    }

    @Test
    void wrongPasswordAfterCachedRightOneStillFails() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(
                Map.of("password", "{PLAIN}secret", "proxy", "y", "host", "10.0.0.1")));
        AuthCache cache = new AuthCache(SPEC, db, ticker);
        AuthStrategy strategy = AuthStrategy.passwordForwarding();

        AuthRequest right = request("john", "secret");
        assertThat(decide(strategy, right, lookup(cache, right))).isInstanceOf(AuthDecision.Proxy.class);
        AuthRequest wrong = request("john", "guess");
        AuthDecision second = decide(strategy, wrong, lookup(cache, wrong));

        assertThat(cache.hits()).as("the second lookup came from the cache").isEqualTo(1);
        assertThat(second).isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
    }

    @Test
    void cachedNopasswordResultForwardsEachRequestsOwnPasswordToTheBackend() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(
                Map.of("nopassword", "Y", "proxy", "Y", "host", "10.0.0.1")));
        AuthCache cache = new AuthCache(SPEC, db, ticker);
        AuthStrategy strategy = AuthStrategy.passwordForwarding();

        AuthRequest right = request("john", "secret");
        decide(strategy, right, lookup(cache, right));
        AuthRequest wrong = request("john", "guess");
        AuthDecision second = decide(strategy, wrong, lookup(cache, wrong));

        assertThat(cache.hits()).isEqualTo(1);
        assertThat(second).isInstanceOfSatisfying(AuthDecision.Proxy.class,
                p -> assertThat(p.credentials().password()).as("the backend checks this one").isEqualTo("guess"));
    }

    @Test
    void passDbThatChecksThePasswordItselfIsAskedAgainForAnotherPassword() {
        CountingPassDb db = new CountingPassDb(r -> "secret".equals(r.password())
                ? PassDbResult.found(Map.of("nopassword", "y", "proxy", "y", "host", "10.0.0.1"))
                : PassDbResult.notFound(),
                EnumSet.of(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL, PassDb.CacheKeyPart.PASSWORD));
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        assertThat(lookup(cache, request("john", "secret")).isFound()).isTrue();
        assertThat(lookup(cache, request("john", "guess")).isFound()).isFalse();
        assertThat(lookup(cache, request("john", "secret")).isFound()).isTrue();
        assertThat(lookup(cache, request("john", null)).isFound()).isFalse();

        assertThat(db.calls.get()).isEqualTo(3);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void temporaryFailuresAreNeverCached() {
        Deque<PassDbResult> answers = new ArrayDeque<>();
        answers.add(PassDbResult.temporaryFailure("database down"));
        answers.add(PassDbResult.temporaryFailure("database down"));
        answers.add(PassDbResult.found(Map.of("host", "10.0.0.1")));
        CountingPassDb db = new CountingPassDb(r -> answers.poll());
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        assertThat(lookup(cache, request("john", "x")).status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(lookup(cache, request("john", "x")).status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(lookup(cache, request("john", "x")).isFound()).isTrue();
        assertThat(lookup(cache, request("john", "x")).isFound()).isTrue();

        assertThat(db.calls.get()).isEqualTo(3);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void failedLookupsAreNeverCachedAndASynchronousThrowBecomesAFailedStage() {
        AtomicInteger calls = new AtomicInteger();
        PassDb db = r -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                return CompletableFuture.failedFuture(new IllegalStateException("boom"));
            }
            if (n == 2) {
                throw new IllegalStateException("thrown");
            }
            return CompletableFuture.completedFuture(PassDbResult.found(Map.of("host", "h")));
        };
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        assertThatThrownBy(() -> lookup(cache, request("john", "x"))).hasRootCauseMessage("boom");
        CompletionStage<PassDbResult> thrown = cache.lookup(request("john", "x"));
        assertThatThrownBy(() -> thrown.toCompletableFuture().get()).hasRootCauseMessage("thrown");
        assertThat(lookup(cache, request("john", "x")).isFound()).isTrue();
        assertThat(lookup(cache, request("john", "x")).isFound()).isTrue();

        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void entryExpiresAfterItsTimeToLive() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(Map.of("host", "h")));
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        lookup(cache, request("john", "x"));
        ticker.advance(Duration.ofMinutes(5).minusNanos(1));
        lookup(cache, request("john", "x"));
        assertThat(db.calls.get()).isEqualTo(1);

        ticker.advance(Duration.ofNanos(1));
        lookup(cache, request("john", "x"));
        assertThat(db.calls.get()).isEqualTo(2);
    }

    @Test
    void unknownUserIsKeptForTheNegativeTimeToLive() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.notFound());
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        lookup(cache, request("nobody", "x"));
        ticker.advance(Duration.ofSeconds(59));
        lookup(cache, request("nobody", "x"));
        assertThat(db.calls.get()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(1));
        lookup(cache, request("nobody", "x"));
        assertThat(db.calls.get()).isEqualTo(2);
    }

    @Test
    void zeroNegativeTimeToLiveKeepsNoUnknownUser() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.notFound());
        AuthCache cache = new AuthCache(SPEC.negativeExpireAfterWrite(Duration.ZERO), db, ticker);

        lookup(cache, request("nobody", "x"));
        lookup(cache, request("nobody", "x"));

        assertThat(db.calls.get()).isEqualTo(2);
        assertThat(cache.hits()).isZero();
    }

    @Test
    void defaultKeyIsUserAndProtocol() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(Map.of("host", r.protocol())));
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        assertThat(lookup(cache, request("imap", "john", "10.1.1.1")).field("host")).contains("imap");
        assertThat(lookup(cache, request("pop3", "john", "10.1.1.1")).field("host")).contains("pop3");
        assertThat(lookup(cache, request("imap", "John", "10.1.1.1")).field("host")).contains("imap");
        assertThat(db.calls.get()).as("protocol and user, as given, are part of the key").isEqualTo(3);

        lookup(cache, request("imap", "john", "10.9.9.9"));
        assertThat(db.calls.get()).as("the client address is not").isEqualTo(3);
    }

    @Test
    void passDbThatRoutesByClientAddressIsKeyedOnTheAddressButNotThePort() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(Map.of("host", "h")),
                EnumSet.of(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL, PassDb.CacheKeyPart.CLIENT_ADDRESS));
        AuthCache cache = new AuthCache(SPEC, db, ticker);

        lookup(cache, request("imap", "john", "10.1.1.1"));
        lookup(cache, new AuthRequest("imap", "john", "x", "LOGIN", new InetSocketAddress("10.1.1.1", 40000),
                new InetSocketAddress("127.0.0.1", 143), false, "s2"));
        assertThat(db.calls.get()).isEqualTo(1);

        lookup(cache, request("imap", "john", "10.2.2.2"));
        assertThat(db.calls.get()).isEqualTo(2);
    }

    @Test
    void sizeIsBounded() {
        CountingPassDb db = new CountingPassDb(r -> PassDbResult.found(Map.of("host", "h")));
        AuthCache cache = new AuthCache(AuthCacheSpec.maximumSize(2), db, ticker);

        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10; i++) {
                lookup(cache, request("user" + i, "x"));
            }
        }

        assertThat(cache.hits()).isLessThanOrEqualTo(2);
        assertThat(cache.hits() + cache.misses()).isEqualTo(20);
    }

    @Test
    void cacheKeyIsThatOfThePassDbBehindIt() {
        PassDb db = new CountingPassDb(r -> PassDbResult.notFound(), EnumSet.of(PassDb.CacheKeyPart.LOCAL_ADDRESS));
        assertThat(new AuthCache(SPEC, db).cacheKey()).containsExactly(PassDb.CacheKeyPart.LOCAL_ADDRESS);
        assertThat(((PassDb) r -> null).cacheKey())
                .containsExactlyInAnyOrder(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL);
    }

    private static AuthRequest request(String user, String password) {
        return new AuthRequest("imap", user, password, password == null ? "CRAM-MD5" : "LOGIN",
                new InetSocketAddress("10.1.1.1", 50000), new InetSocketAddress("127.0.0.1", 143), false, "s1");
    }

    private static AuthRequest request(String protocol, String user, String clientIp) {
        return new AuthRequest(protocol, user, "x", "LOGIN", new InetSocketAddress(clientIp, 50000),
                new InetSocketAddress("127.0.0.1", 143), false, "s1");
    }

    private static PassDbResult lookup(PassDb db, AuthRequest request) {
        try {
            return db.lookup(request).toCompletableFuture().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuthDecision decide(AuthStrategy strategy, AuthRequest request, PassDbResult result) {
        return strategy.decide(request, result).toCompletableFuture().join();
    }

    /** A PassDb that answers from a function and counts how often it is asked. */
    private static final class CountingPassDb implements PassDb {
        final AtomicInteger calls = new AtomicInteger();
        private final Function<AuthRequest, PassDbResult> answer;
        private final Set<CacheKeyPart> key;

        CountingPassDb(Function<AuthRequest, PassDbResult> answer) {
            this(answer, EnumSet.of(CacheKeyPart.USER, CacheKeyPart.PROTOCOL));
        }

        CountingPassDb(Function<AuthRequest, PassDbResult> answer, Set<CacheKeyPart> key) {
            this.answer = answer;
            this.key = key;
        }

        @Override
        public CompletionStage<PassDbResult> lookup(AuthRequest request) {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(answer.apply(request));
        }

        @Override
        public Set<CacheKeyPart> cacheKey() {
            return key;
        }
    }

    /** A clock the test moves by hand. */
    private static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong();

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }
    }
}
