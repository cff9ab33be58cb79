package io.github.mailproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the auth cache that sits in front of the {@link PassDb}, as Dovecot's
 * {@code auth_cache_size}, {@code auth_cache_ttl} and {@code auth_cache_negative_ttl}.
 *
 * <pre>{@code
 * AuthCacheSpec.maximumSize(4096).expireAfterWrite(Duration.ofMinutes(5))
 * }</pre>
 *
 * @param maximumSize              most entries kept
 * @param expireAfterWrite         how long a found user is kept
 * @param negativeExpireAfterWrite how long a not-found user is kept
 */
public record AuthCacheSpec(long maximumSize, Duration expireAfterWrite, Duration negativeExpireAfterWrite) {

    /** Checks the components. */
    public AuthCacheSpec {
        if (maximumSize < 1) {
            throw new IllegalArgumentException("auth.cache.size: must be positive: " + maximumSize);
        }
        Objects.requireNonNull(expireAfterWrite, "expireAfterWrite");
        Objects.requireNonNull(negativeExpireAfterWrite, "negativeExpireAfterWrite");
    }

    /**
     * A cache of the given size, keeping entries one hour and negative entries one hour, as
     * Dovecot's defaults.
     *
     * @param maximumSize most entries kept
     * @return the settings
     */
    public static AuthCacheSpec maximumSize(long maximumSize) {
        return new AuthCacheSpec(maximumSize, Duration.ofHours(1), Duration.ofHours(1));
    }

    /**
     * @param ttl how long a found user is kept
     * @return a copy with that time to live
     */
    public AuthCacheSpec expireAfterWrite(Duration ttl) {
        return new AuthCacheSpec(maximumSize, ttl, negativeExpireAfterWrite);
    }

    /**
     * @param ttl how long a not-found user is kept
     * @return a copy with that negative time to live
     */
    public AuthCacheSpec negativeExpireAfterWrite(Duration ttl) {
        return new AuthCacheSpec(maximumSize, expireAfterWrite, ttl);
    }
}
