package io.github.mailproxy.internal.scheme;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/** How a scheme's raw bytes are written after the {@code {SCHEME}} prefix, as Dovecot's password_decode reads them. */
enum Encoding {
    /** The value is the raw password string itself (PLAIN, the crypt family, PBKDF2, Argon2). */
    NONE,
    HEX,
    BASE64;

    /**
     * @param value the text after the prefix
     * @return the raw bytes, or {@code null} if the text is not valid in this encoding
     */
    byte[] decode(String value) {
        try {
            return switch (this) {
                case NONE -> value.getBytes(StandardCharsets.UTF_8);
                case HEX -> HexFormat.of().parseHex(value);
                // Dovecot writes padding, but hand-made entries often lack it; the basic decoder takes both.
                case BASE64 -> Base64.getDecoder().decode(value);
            };
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The encoding named by a scheme suffix, as in {@code SHA256.HEX}.
     *
     * @param suffix the text after the dot, any case
     * @return the encoding, or {@code null} for one Dovecot does not know
     */
    static Encoding ofSuffix(String suffix) {
        return switch (suffix.toUpperCase(Locale.ROOT)) {
            case "HEX" -> HEX;
            case "B64", "BASE64" -> BASE64;
            default -> null;
        };
    }
}
