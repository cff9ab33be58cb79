package io.github.mailproxy;

import io.github.mailproxy.internal.scheme.DovecotPasswordScheme;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a password against a stored value written in Dovecot's {@code {SCHEME}value} syntax, the
 * way Dovecot's auth process does, so that a passdb written for Dovecot works unchanged.
 *
 * <p>Scheme names are case-insensitive. Those known: {@code PLAIN}, {@code CLEARTEXT},
 * {@code PLAIN-MD5}, {@code LDAP-MD5}, {@code MD5} (MD5-CRYPT, or PLAIN-MD5 when the value has no
 * {@code $1$}), {@code SHA} (alias {@code SHA1}), {@code SHA256}, {@code SHA512}, {@code SMD5},
 * {@code SSHA}, {@code SSHA256}, {@code SSHA512}, {@code CRYPT}, {@code MD5-CRYPT},
 * {@code SHA256-CRYPT}, {@code SHA512-CRYPT}, {@code BLF-CRYPT}, {@code PBKDF2}, {@code ARGON2I},
 * {@code ARGON2ID}, {@code CRAM-MD5} (alias {@code HMAC-MD5}). A name may carry an encoding suffix
 * {@code .HEX}, {@code .B64} or {@code .BASE64} ({@code {SHA256.HEX}...}); without one each scheme
 * reads the encoding Dovecot writes for it (hex for PLAIN-MD5 and CRAM-MD5, base64 for LDAP-MD5, the
 * SHA and salted families), and, like Dovecot, takes a fixed-length digest written at twice its
 * length as hex. As in Dovecot, the crypt family ({@code CRYPT}, {@code *-CRYPT}) follows the hash's
 * own {@code $1$}/{@code $5$}/{@code $6$}/{@code $2y$} prefix, and a bare {@code $1$salt$hash}
 * without braces is MD5-CRYPT.
 *
 * <p>Two jars are optional dependencies of proxy-core, needed only by some schemes: Bouncy Castle
 * ({@code org.bouncycastle:bcprov-jdk18on}) by {@code BLF-CRYPT}, {@code ARGON2I} and {@code ARGON2ID};
 * commons-codec ({@code commons-codec:commons-codec}) by {@code CRYPT}, {@code MD5-CRYPT} (also
 * {@code MD5} with a {@code $1$} value), {@code SHA256-CRYPT} and {@code SHA512-CRYPT}. Every other
 * scheme, and the CRAM-MD5 and SCRAM mechanisms, need only the JDK. Without the jar a value in such a
 * scheme is {@link Verdict#UNKNOWN_SCHEME} (the client is told to try again later), logged as
 * {@code ARGON2ID needs org.bouncycastle:bcprov-jdk18on on the class path}; {@link #dovecot(String)}
 * refuses such a scheme as default at once. Add the jar to the application's dependencies; on the module
 * path also {@code --add-modules org.bouncycastle.provider} (or {@code org.apache.commons.codec}).
 *
 * <p>A value without a {@code {SCHEME}} prefix is read in the <em>default scheme</em> (Dovecot's
 * {@code default_pass_scheme}). Ours is {@code PLAIN}, so that a plaintext password column works as
 * it is; Dovecot's own default is {@code CRYPT}: pass {@code "CRYPT"} to {@link #dovecot(String)} to
 * copy a Dovecot setup that relies on it.
 *
 * <p>Nothing here throws for bad data: an unknown scheme or a malformed value is a {@link Verdict},
 * logged with the scheme name and never the value. Dovecot treats both as an internal error (the
 * client is told to try again later), not as a wrong password. Comparisons run in constant time.
 * Schemes for which {@link #isExpensive(String)} holds (the crypt family, PBKDF2, Argon2) take
 * milliseconds to seconds of CPU time and up to a gigabyte of memory by design: run them on an
 * executor, never on an event loop. Implementations are thread-safe.
 *
 * <pre>{@code
 * PasswordScheme schemes = PasswordScheme.dovecot();          // default scheme PLAIN
 * String stored = passDbResult.field(PassDbResult.PASSWORD).orElseThrow();
 * if (schemes.isExpensive(stored)) {
 *     CompletableFuture.supplyAsync(() -> schemes.verify(password, stored), authExecutor)
 *         .thenAccept(verdict -> loop.execute(() -> finishLogin(verdict)));
 * } else {
 *     finishLogin(schemes.verify(password, stored));
 * }
 * }</pre>
 */
public interface PasswordScheme {

    /** The default scheme of {@link #dovecot()}. */
    String DEFAULT_SCHEME = "PLAIN";

    /**
     * Dovecot's schemes, with {@link #DEFAULT_SCHEME} for values without prefix.
     *
     * @return the checker
     */
    static PasswordScheme dovecot() {
        return dovecot(DEFAULT_SCHEME);
    }

    /**
     * Dovecot's schemes with another default scheme.
     *
     * @param defaultScheme the scheme for values without {@code {SCHEME}} prefix, any case,
     *                      optionally with an encoding suffix ({@code SHA256.HEX})
     * @return the checker
     * @throws IllegalArgumentException if the scheme is not one of {@link #supportedSchemes()}, the suffix is
     *         unknown, or the scheme needs an optional jar that is not on the class path
     */
    static PasswordScheme dovecot(String defaultScheme) {
        return DovecotPasswordScheme.create(defaultScheme);
    }

    /** @return every scheme name accepted, upper case, aliases included */
    static Set<String> supportedSchemes() {
        return DovecotPasswordScheme.supportedSchemes();
    }

    /** @return the scheme used for values without prefix, upper case */
    String defaultScheme();

    /**
     * Checks a password.
     *
     * @param password the password the client gave (its UTF-8 bytes are what is hashed)
     * @param stored   the stored value, e.g. {@code {SHA512-CRYPT}$6$...}
     * @return {@link Verdict#MATCH}, {@link Verdict#MISMATCH}, {@link Verdict#UNKNOWN_SCHEME} or
     *         {@link Verdict#MALFORMED}
     */
    Verdict verify(String password, String stored);

    /**
     * @param stored a stored value
     * @return its scheme's canonical name ({@code SHA} for {@code {sha1}}, {@code CRAM-MD5} for
     *         {@code {HMAC-MD5}}), the default scheme when it has no prefix; empty when unknown
     */
    Optional<String> schemeOf(String stored);

    /**
     * @param stored a stored value
     * @return whether verifying it is deliberately slow (crypt family, PBKDF2, Argon2) and so belongs
     *         off an event loop; {@code false} for an unknown scheme, which fails at once
     */
    boolean isExpensive(String stored);

    /**
     * @param stored a stored value
     * @return whether its scheme is PLAIN or CLEARTEXT (with any encoding), so that mechanisms that
     *         need the password itself (CRAM-MD5, SCRAM, APOP) can be served
     */
    boolean isPlaintext(String stored);

    /**
     * @param stored a stored value
     * @return the password itself when the scheme is PLAIN or CLEARTEXT and the value decodes to
     *         UTF-8 text; empty otherwise
     */
    Optional<String> plaintext(String stored);

    /**
     * @param stored a stored value
     * @return whether {@link #verifyCramMd5} can work from it: a plaintext or a CRAM-MD5 value
     */
    boolean canVerifyCramMd5(String stored);

    /**
     * Checks a CRAM-MD5 (RFC 2195) response: the client's HMAC-MD5 of the challenge keyed with its
     * password. Works from a plaintext value and from a {@code {CRAM-MD5}} value, which holds the
     * HMAC-MD5 inner and outer MD5 states instead of the password.
     *
     * @param stored          the stored value
     * @param challenge       the challenge exactly as sent to the client, e.g. {@code <1896.697170952@host>}
     * @param clientDigestHex the digest the client sent, 32 hex digits, either case
     * @return {@link Verdict#MATCH}, {@link Verdict#MISMATCH} (also for a digest that is not 32 hex
     *         digits), {@link Verdict#UNKNOWN_SCHEME}, {@link Verdict#MALFORMED}, or
     *         {@link Verdict#UNSUPPORTED_MECHANISM} when the stored scheme cannot serve CRAM-MD5
     */
    Verdict verifyCramMd5(String stored, String challenge, String clientDigestHex);

    /** The outcome of a check. */
    enum Verdict {
        /** The password is right. */
        MATCH,
        /** The password is wrong. */
        MISMATCH,
        /**
         * The stored value names a scheme (or encoding suffix) we do not know, or one whose optional jar is
         * not on the class path (see {@link PasswordScheme}); logged.
         */
        UNKNOWN_SCHEME,
        /** The stored value is not a valid value of its scheme; logged without the value. */
        MALFORMED,
        /** The stored scheme cannot check this mechanism (CRAM-MD5 against a hash, say). */
        UNSUPPORTED_MECHANISM;

        /** @return whether this is {@link #MATCH} */
        public boolean matches() {
            return this == MATCH;
        }
    }
}
