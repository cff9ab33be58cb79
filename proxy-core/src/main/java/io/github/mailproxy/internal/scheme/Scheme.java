package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;

/**
 * One password scheme: how its stored bytes are written and how a password is checked against them.
 * Implementations are stateless and thread-safe.
 */
interface Scheme {

    /** @return the canonical upper-case name, e.g. {@code SHA512-CRYPT} */
    String name();

    /** @return how the value is written when the scheme name has no {@code .HEX}/{@code .B64} suffix */
    Encoding defaultEncoding();

    /**
     * @return the exact length of the raw bytes, or 0 when it varies; a fixed length lets Dovecot
     *         (and us) tell hex from base64 when no suffix says which
     */
    default int rawLength() {
        return 0;
    }

    /** @return whether checking costs deliberate CPU time or memory, so that it belongs off an event loop */
    default boolean expensive() {
        return false;
    }

    /**
     * @return the optional jar that checking a value of this scheme needs, or {@code null} when the JDK
     *         is enough; for the crypt family the hash's own prefix may pick another algorithm, which then
     *         checks its own jar in {@link #verify}
     */
    default Library library() {
        return null;
    }

    /**
     * @param password the password's UTF-8 bytes
     * @param raw      the stored value, decoded; of {@link #rawLength()} when that is not 0
     * @return whether they match, or that the stored value cannot be a value of this scheme
     * @throws MissingLibraryException if the algorithm needs a jar that is not there; thrown before any
     *         class of that jar is touched
     */
    Verdict verify(byte[] password, byte[] raw);
}
