package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Dovecot's PBKDF2: {@code $1$salt$rounds$hex}, PBKDF2-HMAC-SHA1 with a 20-byte key, where the salt
 * is used as the ASCII text it is written as (not decoded), as in Dovecot's password-scheme-pbkdf2.c.
 */
final class Pbkdf2Scheme implements Scheme {

    private static final int KEY_LENGTH = 20;
    /** Far above Dovecot's 5,000 and far below a minute of work; beyond it a value is refused as MALFORMED. */
    private static final int MAX_ROUNDS = 1_000_000;

    @Override
    public String name() {
        return "PBKDF2";
    }

    @Override
    public Encoding defaultEncoding() {
        return Encoding.NONE;
    }

    @Override
    public boolean expensive() {
        return true;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        String value = new String(raw, StandardCharsets.UTF_8);
        if (!value.startsWith("$1$")) {
            return Verdict.MALFORMED;
        }
        String[] parts = value.substring(3).split("\\$", -1);
        if (parts.length != 3 || !parts[1].matches("[0-9]{1,9}") || parts[2].length() != 2 * KEY_LENGTH) {
            return Verdict.MALFORMED;
        }
        int rounds = Integer.parseInt(parts[1]);
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(parts[2]);
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;
        }
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            return Verdict.MALFORMED;
        }
        byte[] key = Pbkdf2.derive("HmacSHA1", password, parts[0].getBytes(StandardCharsets.UTF_8), rounds, KEY_LENGTH);
        return MessageDigest.isEqual(key, expected) ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
