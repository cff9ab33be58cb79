package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * An unsalted digest of the password (PLAIN-MD5, LDAP-MD5, SHA, SHA256, SHA512).
 *
 * @param name            the scheme name
 * @param algorithm       the JDK MessageDigest algorithm
 * @param defaultEncoding hex for PLAIN-MD5, base64 for the rest, as Dovecot writes them
 * @param rawLength       the digest length
 */
record DigestScheme(String name, String algorithm, Encoding defaultEncoding, int rawLength) implements Scheme {

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        return MessageDigest.isEqual(digest(algorithm, password, new byte[0]), raw) ? Verdict.MATCH : Verdict.MISMATCH;
    }

    /** Every JDK must provide MD5, SHA-1, SHA-256 and SHA-512, so a failure here is a broken runtime. */
    static byte[] digest(String algorithm, byte[] password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(password);
            md.update(salt);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }
}
