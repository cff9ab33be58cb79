package io.github.mailproxy;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Finds out where a user's mailbox lives and how the user may log in, as Dovecot's passdb does.
 *
 * <p><b>Threads.</b> A lookup may block: unless the PassDb declares {@link #nonBlocking()}, the
 * proxy calls {@link #lookup} on a bounded pool of its own (see
 * {@link ProxyServer.Builder#passDbThreads(int)}), never on an event loop, so a lambda that makes a
 * JDBC call holds up one pool thread, not the sessions of a loop. A PassDb that never blocks
 * declares {@link #nonBlocking()} and is called on the event loop, saving the hand-over. Either way
 * the stage may be completed from any thread; the proxy carries the answer back to the session's
 * loop.
 *
 * <p>A stage completed exceptionally, or an exception thrown by {@code lookup}, is treated like
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
     * Whether {@link #lookup} never blocks the calling thread, so that the proxy may call it on an
     * event loop. Return true only if it never waits for I/O, a lock held across I/O or another
     * thread: it answers from memory, or only hands the work to an executor of its own and returns
     * the stage at once. A PassDb that says true and blocks stalls every session of a loop (the
     * proxy's loop watchdog then logs a WARN naming it). The default, false, runs lookups on the
     * proxy's PassDb pool, which is always safe.
     *
     * <p>The shipped PassDbs ({@link StaticPassDb}, {@link PasswdFilePassDb}, the JDBC PassDb) return
     * true.
     *
     * @return whether {@code lookup} never blocks; false by default
     */
    default boolean nonBlocking() {
        return false;
    }

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
        PASSWORD,
        /** The port of {@link AuthRequest#clientAddress()} (Dovecot's {@code %{rport}}). */
        CLIENT_PORT,
        /** The port of {@link AuthRequest#localAddress()} (Dovecot's {@code %{lport}}). */
        LOCAL_PORT,
        /** {@link AuthRequest#serverName()} (Dovecot's {@code %{local_name}}). */
        SERVER_NAME
    }
}
