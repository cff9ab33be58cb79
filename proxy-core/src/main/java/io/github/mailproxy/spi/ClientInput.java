package io.github.mailproxy.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads what clients send as text without losing bytes: user names and passwords arrive in whatever
 * charset the client's user typed them in, and the backend must get exactly those bytes (Dovecot
 * compares bytes). The text form is for the PassDb and the logs only.
 */
public final class ClientInput {

    private static final int MAX_IP_LITERAL_LENGTH = 64;

    private ClientInput() {
    }

    /**
     * Decodes bytes a client sent as text: as UTF-8 when they are valid UTF-8, else as ISO-8859-1,
     * which maps every byte to a character (a legacy client's Latin-1 {@code 0xE4} becomes {@code ä}
     * instead of U+FFFD).
     *
     * @param bytes the client's bytes; not kept
     * @return the text
     */
    public static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * @param bytes a user name or password, or {@code null}
     * @return whether it holds a NUL, which would cut it short at a backend written in C
     */
    public static boolean hasNul(byte[] bytes) {
        if (bytes != null) {
            for (byte b : bytes) {
                if (b == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Parses an IP address literal a trusted client names (IMAP {@code ID x-originating-ip}, POP3
     * {@code XCLIENT ADDR}) without ever asking DNS: dotted-quad IPv4 or IPv6, optionally in brackets
     * or with Dovecot's {@code IPV6:} prefix.
     *
     * @param text the value as sent
     * @return the address, or empty when it is no address literal
     */
    public static Optional<InetAddress> ipLiteral(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_IP_LITERAL_LENGTH) {
            return Optional.empty();
        }
        String s = text;
        if (s.regionMatches(true, 0, "IPV6:", 0, 5)) {
            s = s.substring(5);
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()) {
            return Optional.empty();  // getByName("") is the loopback address
        }
        boolean v6 = s.indexOf(':') >= 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c == '.'
                    || v6 && (c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
            if (!ok) {
                return Optional.empty();
            }
        }
        if (!v6 && !s.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return Optional.empty();  // getByName would read "10.1" as 10.0.0.1
        }
        try {
            return Optional.of(InetAddress.getByName(s));  // a literal: no lookup
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
