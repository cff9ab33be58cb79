package io.github.mailproxy.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.mailproxy.AuthRequest;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dovecot's auth penalty: every failed login from an address (an IPv6 /64 counts as one, see
 * {@link AddressKey}) doubles the delay of that address's failure replies, from the base failure
 * delay (Dovecot's {@code auth_failure_delay}, 2 s) up to 15 s: 2, 4, 8, 15, 15 s (see {@link #delay}
 * for other bases).
 *
 * <p>As in Dovecot ({@code src/anvil/penalty.c}, {@code src/auth/auth-penalty.c}):
 * <ul>
 *   <li>a failure with credentials the address already failed with recently (a mail client polling
 *       with an old password) keeps the delay where it is instead of raising it; only a short keyed
 *       hash of user and password is kept, with a key that is random per server;</li>
 *   <li>an address's penalty is forgotten an hour after its last failure;</li>
 *   <li>a successful login from the address clears it.</li>
 * </ul>
 * Memory is bounded: at most {@value #MAX_ADDRESSES} addresses are tracked, the least recently
 * failing ones being dropped first. Thread-safe.
 */
final class AuthPenalty {

    /** Dovecot's {@code AUTH_PENALTY_MAX_SECS}. */
    static final Duration MAX_DELAY = Duration.ofSeconds(15);
    /** Dovecot's {@code PENALTY_DEFAULT_EXPIRE_SECS}. */
    static final Duration EXPIRY = Duration.ofHours(1);
    static final int MAX_ADDRESSES = 100_000;
    /** Dovecot keeps up to ten credential checksums per address. */
    private static final int REMEMBERED_CREDENTIALS = 10;
    /** 2^4 times the base already exceeds the cap at Dovecot's default; more doublings only risk overflow. */
    private static final int MAX_DOUBLINGS = 16;
    private static final String MAC_ALGORITHM = "HmacSHA256";

    /**
     * What is known of one address: its failure count and the hashes of the credentials it failed with
     * lately. Immutable, so a {@code compute} replaces it atomically.
     */
    private record Entry(int failures, long[] credentials) {
        boolean knows(long hash) {
            for (long c : credentials) {
                if (c == hash) {
                    return true;
                }
            }
            return false;
        }

        Entry remember(long hash) {
            long[] kept = Arrays.copyOfRange(credentials, Math.max(0, credentials.length - (REMEMBERED_CREDENTIALS - 1)),
                    credentials.length);
            long[] next = Arrays.copyOf(kept, kept.length + 1);
            next[kept.length] = hash;
            return new Entry(Math.min(failures + 1, MAX_DOUBLINGS), next);
        }
    }

    /** Hash of unknown credentials (a bad SASL exchange, a CRAM-MD5 answer): always raises the penalty. */
    static final long UNKNOWN = 0;

    private final Duration base;
    private final Cache<InetAddress, Entry> penalties;
    private final SecretKeySpec key;

    /**
     * @param base   the delay of a first failure, doubled per further failure; zero: no delay, no penalty
     * @param ticker the clock penalties expire by
     */
    AuthPenalty(Duration base, Ticker ticker) {
        this.base = base;
        this.penalties = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(EXPIRY).maximumSize(MAX_ADDRESSES).build();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, MAC_ALGORITHM);
    }

    /**
     * @param request a login
     * @return a short keyed hash of its user name and password, never {@link #UNKNOWN}; {@link #UNKNOWN}
     *         when it carries no plaintext password
     */
    long credentials(AuthRequest request) {
        if (request.password() == null) {
            return UNKNOWN;
        }
        byte[] user = request.user().getBytes(StandardCharsets.UTF_8);
        byte[] password = request.password().getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(key);
            // the length prefix keeps ("ab", "c") and ("a", "bc") apart
            mac.update(ByteBuffer.allocate(4).putInt(user.length).array());
            mac.update(user);
            mac.update(password);
            long hash = ByteBuffer.wrap(mac.doFinal()).getLong();
            return hash == UNKNOWN ? 1 : hash;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC_ALGORITHM + " is part of every JVM", e);
        }
    }

    /**
     * Records a failed login and says how long its reply is to be held back.
     *
     * @param address     the client's address
     * @param credentials {@link #credentials(AuthRequest)} of the failed login, or {@link #UNKNOWN}
     * @return the delay for this failure's reply
     */
    Duration failed(InetAddress address, long credentials) {
        if (base.isZero()) {
            return Duration.ZERO;
        }
        Entry entry = penalties.asMap().compute(AddressKey.of(address), (k, old) -> {
            if (old == null) {
                return new Entry(1, credentials == UNKNOWN ? new long[0] : new long[] {credentials});
            }
            if (credentials != UNKNOWN && old.knows(credentials)) {
                return new Entry(old.failures(), old.credentials());  // written again: the hour restarts
            }
            return credentials == UNKNOWN ? new Entry(Math.min(old.failures() + 1, MAX_DOUBLINGS), old.credentials())
                    : old.remember(credentials);
        });
        return delay(entry.failures());
    }

    /**
     * A login from the address succeeded: as Dovecot, its penalty is cleared.
     *
     * @param address the client's address
     */
    void succeeded(InetAddress address) {
        penalties.invalidate(AddressKey.of(address));
    }

    /**
     * Dovecot's steps are 2, 4, 8 and 15 s: the base doubled, capped at 7.5 times the base. The cap
     * scales with a smaller base (200 ms: 0.2, 0.4, 0.8, 1.5 s) and never exceeds 15 s, unless the
     * base itself is larger.
     *
     * @param failures failures counted for an address, at least one
     * @return the delay of the reply to the latest of them
     */
    Duration delay(int failures) {
        Duration cap = base.compareTo(MAX_DELAY) >= 0 ? base : base.multipliedBy(15).dividedBy(2);
        cap = cap.compareTo(MAX_DELAY) > 0 && base.compareTo(MAX_DELAY) < 0 ? MAX_DELAY : cap;
        Duration d = base;
        for (int i = 1; i < failures && d.compareTo(cap) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(cap) > 0 ? cap : d;
    }
}
