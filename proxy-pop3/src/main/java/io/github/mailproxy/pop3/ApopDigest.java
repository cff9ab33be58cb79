package io.github.mailproxy.pop3;

import io.github.mailproxy.PasswordScheme;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks an APOP digest (RFC 1939 section 7): the hex MD5 of the greeting's timestamp followed by the
 * password. Only a plaintext stored password can serve it. MD5 is the JDK's; the comparison takes the
 * same time wherever the digests differ.
 */
final class ApopDigest {

    private ApopDigest() {
    }

    /**
     * @param schemes         the password schemes of the auth strategy
     * @param stored          the PassDb's {@code password} field
     * @param timestamp       the timestamp exactly as the greeting carried it, angle brackets included
     * @param clientDigestHex the client's digest, 32 hex digits, either case
     * @return {@link PasswordScheme.Verdict#MATCH} or {@link PasswordScheme.Verdict#MISMATCH};
     *         {@link PasswordScheme.Verdict#UNSUPPORTED_MECHANISM} for a stored hash, which cannot serve
     *         APOP; {@link PasswordScheme.Verdict#UNKNOWN_SCHEME} or {@link PasswordScheme.Verdict#MALFORMED}
     *         for a stored value that cannot be used at all
     */
    static PasswordScheme.Verdict verify(PasswordScheme schemes, String stored, String timestamp, String clientDigestHex) {
        if (schemes.schemeOf(stored).isEmpty()) {
            return PasswordScheme.Verdict.UNKNOWN_SCHEME;
        }
        if (!schemes.isPlaintext(stored)) {
            return PasswordScheme.Verdict.UNSUPPORTED_MECHANISM;
        }
        Optional<String> password = schemes.plaintext(stored);
        if (password.isEmpty()) {
            return PasswordScheme.Verdict.MALFORMED;
        }
        byte[] expected = digest(timestamp, password.get()).getBytes(StandardCharsets.US_ASCII);
        byte[] given = clientDigestHex.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given) ? PasswordScheme.Verdict.MATCH : PasswordScheme.Verdict.MISMATCH;
    }

    /**
     * @param timestamp the greeting's timestamp
     * @param password  the password
     * @return the lower-case hex MD5 of both, as a client computes it
     */
    static String digest(String timestamp, String password) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(timestamp.getBytes(StandardCharsets.UTF_8));
            md5.update(password.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide MD5 (MessageDigest's Javadoc)
            throw new IllegalStateException("MD5 is missing from this JDK", e);
        }
    }
}
