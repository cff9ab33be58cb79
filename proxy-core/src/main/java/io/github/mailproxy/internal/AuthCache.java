package io.github.mailproxy.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The auth cache in front of a PassDb, as Dovecot's {@code auth_cache_size}, {@code auth_cache_ttl}
 * and {@code auth_cache_negative_ttl}.
 *
 * <p>It caches what the PassDb said, never what the {@link io.github.mailproxy.AuthStrategy}
 * decided: the strategy still runs for every login, so a stored {@code password} field is checked
 * against each request's own password, and a wrong password after a cached right one still fails.
 * Entries are keyed on the request parts the PassDb names in {@link PassDb#cacheKey()}; a PassDb
 * whose answer depends on the password itself names {@link PassDb.CacheKeyPart#PASSWORD}, and the key
 * then holds a keyed hash of it (the key is random per cache, so the hash is useless outside it).
 *
 * <p>Found users are kept for {@link AuthCacheSpec#expireAfterWrite()}, unknown users for
 * {@link AuthCacheSpec#negativeExpireAfterWrite()} (zero: not kept). Temporary failures and
 * exceptionally completed lookups are never kept.
 */
public final class AuthCache implements PassDb {

    private static final String MAC_ALGORITHM = "HmacSHA256";

    private final PassDb delegate;
    private final EnumSet<CacheKeyPart> keyParts;
    private final Duration ttl;
    private final Duration negativeTtl;
    private final Cache<Key, PassDbResult> cache;
    private final SecretKeySpec passwordKey;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /**
     * @param spec     size and times to live
     * @param delegate the PassDb behind the cache
     */
    public AuthCache(AuthCacheSpec spec, PassDb delegate) {
        this(spec, delegate, Ticker.systemTicker());
    }

    /**
     * @param spec     size and times to live
     * @param delegate the PassDb behind the cache
     * @param ticker   the clock that entries expire by
     */
    public AuthCache(AuthCacheSpec spec, PassDb delegate, Ticker ticker) {
        Objects.requireNonNull(spec, "spec");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        Set<CacheKeyPart> parts = Objects.requireNonNull(delegate.cacheKey(), "passDb.cacheKey()");
        this.keyParts = parts.isEmpty() ? EnumSet.noneOf(CacheKeyPart.class) : EnumSet.copyOf(parts);
        this.ttl = spec.expireAfterWrite();
        this.negativeTtl = spec.negativeExpireAfterWrite();
        this.cache = Caffeine.newBuilder()
                .maximumSize(spec.maximumSize())
                .expireAfter(Expiry.<Key, PassDbResult>writing((key, result) -> result.isFound() ? ttl : negativeTtl))
                .ticker(Objects.requireNonNull(ticker, "ticker"))
                // Maintenance is cheap and amortised; doing it on the caller keeps the size bound exact
                // and keeps the cache off the shared common pool.
                .executor(Runnable::run)
                .build();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.passwordKey = new SecretKeySpec(secret, MAC_ALGORITHM);
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return lookup(request, hit -> { });
    }

    /**
     * As {@link #lookup(AuthRequest)}, telling whether the answer came from the cache.
     *
     * @param request the login
     * @param hit     told at once, on the calling thread, whether the cache answered
     * @return the answer
     */
    CompletionStage<PassDbResult> lookup(AuthRequest request, java.util.function.Consumer<Boolean> hit) {
        Key key = keyOf(request);
        PassDbResult cached = cache.getIfPresent(key);
        if (cached != null) {
            hits.increment();
            hit.accept(true);
            return CompletableFuture.completedFuture(cached);
        }
        misses.increment();
        hit.accept(false);
        CompletionStage<PassDbResult> stage;
        try {
            stage = delegate.lookup(request);
        } catch (RuntimeException e) {
            // The PassDb contract makes this a temporary failure; handing it on as a failed stage keeps it one.
            return CompletableFuture.failedFuture(e);
        }
        return stage.whenComplete((result, failure) -> {
            if (failure == null && result != null && worthKeeping(result)) {
                cache.put(key, result);
            }
        });
    }

    /** The cache is itself keyed by what the PassDb behind it depends on. */
    @Override
    public Set<CacheKeyPart> cacheKey() {
        return keyParts.clone();
    }

    /**
     * @return whether the PassDb behind never blocks: a hit is answered from memory, a miss asks it.
     *         The engine puts the cache in front of the pool that runs a blocking PassDb, so hits
     *         never leave the loop.
     */
    @Override
    public boolean nonBlocking() {
        return delegate.nonBlocking();
    }

    /** @return lookups answered from the cache */
    public long hits() {
        return hits.sum();
    }

    /** @return lookups that went to the PassDb */
    public long misses() {
        return misses.sum();
    }

    private boolean worthKeeping(PassDbResult result) {
        return switch (result.status()) {
            case FOUND -> isPositive(ttl);
            case NOT_FOUND -> isPositive(negativeTtl);
            case TEMPORARY_FAILURE -> false;
        };
    }

    private static boolean isPositive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }

    private Key keyOf(AuthRequest request) {
        return new Key(
                keyParts.contains(CacheKeyPart.USER) ? request.user() : null,
                keyParts.contains(CacheKeyPart.PROTOCOL) ? request.protocol() : null,
                keyParts.contains(CacheKeyPart.CLIENT_ADDRESS) ? request.clientAddress().getAddress() : null,
                keyParts.contains(CacheKeyPart.LOCAL_ADDRESS) ? request.localAddress().getAddress() : null,
                keyParts.contains(CacheKeyPart.PASSWORD) ? passwordDigest(request.password()) : null,
                keyParts.contains(CacheKeyPart.CLIENT_PORT) ? request.clientAddress().getPort() : -1,
                keyParts.contains(CacheKeyPart.LOCAL_PORT) ? request.localAddress().getPort() : -1,
                keyParts.contains(CacheKeyPart.SERVER_NAME) ? request.serverName() : null);
    }

    private String passwordDigest(String password) {
        if (password == null) {
            return "";  // no plaintext password; distinct from every digest, which is never empty
        }
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(passwordKey);
            return Base64.getEncoder().encodeToString(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC_ALGORITHM + " is part of every Java platform", e);
        }
    }

    /** The request parts a cached answer is valid for; a part the PassDb does not depend on is null. */
    private record Key(String user, String protocol, InetAddress client, InetAddress local, String passwordDigest,
                       int clientPort, int localPort, String serverName) {
    }
}
