package io.github.mailproxy;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Finds out where a user's mailbox lives and how the user may log in, as Dovecot's passdb does.
 *
 * <p>Implementations must not block the calling thread: the proxy calls {@link #lookup} on an event
 * loop. A PassDb that needs blocking I/O (JDBC, files) runs it on an executor of its own and
 * completes the stage from there. A stage completed exceptionally is treated like
 * {@link PassDbResult#temporaryFailure(String)}: the client is told to try again later, never that
 * its password was wrong.
 *
 * <pre>{@code
 * PassDb byDomain = request -> CompletableFuture.completedFuture(
 *     PassDbResult.found(Map.of("proxy", "y", "nopassword", "y",
 *         "host", request.user().endsWith("@example.org") ? "10.0.0.1" : "10.0.0.2")));
 * }</pre>
 */
@FunctionalInterface
public interface PassDb {

    /**
     * Looks a user up.
     *
     * @param request who is logging in, from where, with which mechanism
     * @return the result; never {@code null}
     */
    CompletionStage<PassDbResult> lookup(AuthRequest request);

    /**
     * The parts of a request that this PassDb's answer depends on; the auth cache (see
     * {@link ProxyServer.Builder#authCache(AuthCacheSpec)}) keys its entries on exactly these, so
     * that one cached answer is reused only for requests that would get the same answer.
     *
     * <p>The default is {@link CacheKeyPart#USER} and {@link CacheKeyPart#PROTOCOL}: right for a
     * PassDb that looks up the user per service. A PassDb that also routes by address adds
     * {@link CacheKeyPart#CLIENT_ADDRESS} or {@link CacheKeyPart#LOCAL_ADDRESS}. A PassDb whose
     * answer depends on the password the client gave (one that checks it itself, for example by
     * binding to a directory, and then answers {@code nopassword}) must add
     * {@link CacheKeyPart#PASSWORD}; otherwise a cached answer for the right password would stand in
     * for a wrong one.
     *
     * @return the parts; never {@code null}
     */
    default Set<CacheKeyPart> cacheKey() {
        return EnumSet.of(CacheKeyPart.USER, CacheKeyPart.PROTOCOL);
    }

    /** A part of an {@link AuthRequest} that a lookup's answer may depend on; see {@link #cacheKey()}. */
    enum CacheKeyPart {
        /** {@link AuthRequest#user()}, exactly as the client gave it (Dovecot's {@code %u}, {@code %n}, {@code %d}). */
        USER,
        /** {@link AuthRequest#protocol()} (Dovecot's {@code %s}). */
        PROTOCOL,
        /** The IP address of {@link AuthRequest#clientAddress()}, without the port (Dovecot's {@code %r}). */
        CLIENT_ADDRESS,
        /** The IP address of {@link AuthRequest#localAddress()}, without the port (Dovecot's {@code %l}). */
        LOCAL_ADDRESS,
        /** {@link AuthRequest#password()}; the cache keeps only a keyed hash of it, never the password. */
        PASSWORD
    }
}
