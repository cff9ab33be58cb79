package io.github.mailproxy.imap;

import java.nio.charset.StandardCharsets;

/** Text helpers for IMAP replies and commands: quoting, safe reply text and referral URLs. */
final class ImapText {

    private static final int MAX_REASON_LENGTH = 200;
    private static final int MAX_QUOTED_LENGTH = 1024;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ImapText() {
    }

    /** @return whether {@code s} may be sent as a quoted string: 7-bit, no CR, LF or NUL */
    static boolean isQuotable(String s) {
        if (s.length() > MAX_QUOTED_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c == '\r' || c == '\n' || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param bytes a user name or password as bytes
     * @return whether they may be sent as a quoted string: printable 7-bit only; anything else goes
     *         as a literal, byte for byte
     */
    static boolean isQuotable(byte[] bytes) {
        if (bytes.length > MAX_QUOTED_LENGTH) {
            return false;
        }
        for (byte b : bytes) {
            if (b < 0x20 || b == 0x7f) {  // 8-bit bytes are negative
                return false;
            }
        }
        return true;
    }

    /**
     * @param bytes bytes for which {@link #isQuotable(byte[])} holds
     * @return them as a quoted string, with {@code \} and {@code "} escaped
     */
    static byte[] quote(byte[] bytes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length + 8);
        out.write('"');
        for (byte b : bytes) {
            if (b == '"' || b == '\\') {
                out.write('\\');
            }
            out.write(b);
        }
        out.write('"');
        return out.toByteArray();
    }

    /** @return {@code s} as a quoted string, with {@code \} and {@code "} escaped (RFC 3501 section 4.3) */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /**
     * Makes text from a PassDb or strategy safe for a reply line: no control characters (so no CR/LF
     * injection), bounded length.
     *
     * @param text     the text, or {@code null}
     * @param fallback what to say when there is no usable text
     * @return one line of printable text
     */
    static String replyText(String text, String fallback) {
        if (text == null) {
            return fallback;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_REASON_LENGTH));
        for (int i = 0; i < text.length() && out.length() < MAX_REASON_LENGTH; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        String cleaned = out.toString().trim();
        return cleaned.isEmpty() ? fallback : cleaned;
    }

    /**
     * An IMAP URL for a login referral (RFC 2221 section 4.1, URL syntax of RFC 5092 section 11):
     * {@code imap://<enc-user>;AUTH=*@<host>[:port]/}.
     *
     * @param user the user, escaped as enc-user
     * @param host a host name or address; an IPv6 address is put in brackets
     * @param port the port, or 0 to leave it out
     * @return the URL
     */
    static String referralUrl(String user, String host, int port) {
        StringBuilder url = new StringBuilder("imap://");
        escapeUser(user, url);
        url.append(";AUTH=*@");
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            url.append('[').append(host).append(']');
        } else {
            escapeHost(host, url);
        }
        if (port > 0) {
            url.append(':').append(port);
        }
        return url.append('/').toString();
    }

    /** enc-user = 1*achar; achar = uchar / "&" / "=" / "~" (RFC 5092); everything else as %XX of UTF-8. */
    private static void escapeUser(String user, StringBuilder out) {
        for (byte b : user.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (isUnreserved(c) || "!$'()*+,&=~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                percent(c, out);
            }
        }
    }

    /** reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 section 3.2.2). */
    private static void escapeHost(String host, StringBuilder out) {
        for (byte b : host.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (isUnreserved(c) || "!$&'()*+,;=".indexOf(c) >= 0 || c == '[' || c == ']') {
                out.append((char) c);
            } else {
                percent(c, out);
            }
        }
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static void percent(int c, StringBuilder out) {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
    }
}
