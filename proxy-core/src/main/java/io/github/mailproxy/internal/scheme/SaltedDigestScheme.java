package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A salted digest (SMD5, SSHA, SSHA256, SSHA512): the raw value is {@code digest(password + salt)}
 * followed by the salt, base64 by default.
 *
 * @param name         the scheme name
 * @param algorithm    the JDK MessageDigest algorithm
 * @param digestLength the digest length; what follows it is the salt
 */
record SaltedDigestScheme(String name, String algorithm, int digestLength) implements Scheme {

    @Override
    public Encoding defaultEncoding() {
        return Encoding.BASE64;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        // Dovecot refuses a value without at least one byte of salt.
        if (raw.length <= digestLength) {
            return Verdict.MALFORMED;
        }
        byte[] expected = Arrays.copyOf(raw, digestLength);
        byte[] salt = Arrays.copyOfRange(raw, digestLength, raw.length);
        return MessageDigest.isEqual(DigestScheme.digest(algorithm, password, salt), expected)
                ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
