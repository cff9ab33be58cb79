package io.github.mailproxy.pop3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/** APOP (RFC 1939) for tests: the client's digest and the greeting's timestamp. */
final class TestApop {

    private TestApop() {
    }

    /** RFC 1939 section 7: the lower-case hex MD5 of the greeting's timestamp followed by the password. */
    static String apopDigest(String timestamp, String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest((timestamp + password).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the {@code <...>} timestamp of a POP3 greeting line */
    static String timestamp(String greeting) {
        int start = greeting.indexOf('<');
        int end = greeting.indexOf('>', start);
        if (start < 0 || end < 0) {
            throw new AssertionError("no timestamp in greeting: " + greeting);
        }
        return greeting.substring(start, end + 1);
    }
}
