package io.github.mailproxy.spi;

import java.security.SecureRandom;
import java.util.Optional;

/**
 * CRAM-MD5 (RFC 2195) pieces shared by the protocol modules. The response is checked with
 * {@link io.github.mailproxy.PasswordScheme#verifyCramMd5}; APOP (RFC 1939) uses the same kind of
 * challenge.
 */
public final class CramMd5 {

    private static final SecureRandom RANDOM = new SecureRandom();

    private CramMd5() {
    }

    /**
     * A fresh challenge in the RFC's form, e.g. {@code <1896.697170952@mailproxy>}.
     *
     * @return the challenge, unencoded
     */
    public static String challenge() {
        return "<" + Long.toUnsignedString(RANDOM.nextLong()) + "." + System.currentTimeMillis() + "@mailproxy>";
    }

    /**
     * The client's response split into user and digest.
     *
     * @param user   the user name (everything before the last space)
     * @param digest the hex digest
     */
    public record Response(String user, String digest) {
    }

    /**
     * @param decoded the client's decoded response, {@code user SP digest}
     * @return the parts, or empty when malformed
     */
    public static Optional<Response> parse(String decoded) {
        int space = decoded.lastIndexOf(' ');
        if (space <= 0 || space == decoded.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new Response(decoded.substring(0, space), decoded.substring(space + 1)));
    }
}
