package io.github.mailproxy.internal;

import java.net.InetSocketAddress;

/** Small text helpers for logs. */
public final class Text {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /**
     * Longest value logged as it is: a pre-login line may be 64 KB, and a user name that long must not
     * turn every log line about it into 64 KB (or up to six times that once escaped).
     */
    static final int MAX_LOG_VALUE = 512;

    private Text() {
    }

    /**
     * @param s text that came from a client
     * @return the text with control characters replaced, safe for one log line
     */
    public static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (sb == null) {
                    sb = new StringBuilder(s.length()).append(s, 0, i);
                }
                sb.append('?');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Formats one value of a logfmt line ({@code key=value}), so that whatever a client, a backend or a
     * PassDb put in it cannot end the line, start another field or be mistaken for one.
     *
     * <ul>
     *   <li>{@code null} becomes {@code -} (the field is absent);</li>
     *   <li>a plain token stays bare: one or more ASCII letters, digits and {@code . - _ : @ / + ,},
     *       except the single {@code -} (quoted, so it differs from {@code null});</li>
     *   <li>anything else is enclosed in double quotes, with {@code "} and {@code \} escaped as
     *       {@code \"} and {@code \\}, CR, LF and tab as {@code \r}, {@code \n}, {@code \t}, and every
     *       other control character (C0, DEL, C1 such as U+0085), line or paragraph separator
     *       (U+2028, U+2029), invisible format character (bidirectional overrides, zero-width
     *       characters, U+FEFF) and unpaired surrogate as {@code \}{@code uXXXX} (a supplementary
     *       character as its two UTF-16 units). Other characters, non-ASCII letters included,
     *       stay as they are. The empty string is {@code ""}.</li>
     * </ul>
     *
     * <p>So {@code nobody client=1.2.3.4} becomes {@code "nobody client=1.2.3.4"} and a parser reads
     * one field. The format is go-logfmt's, with JSON's string escapes. A value over
     * {@value #MAX_LOG_VALUE} characters is cut there and ends in {@code ...[N more]}.
     *
     * @param s the value, possibly from a client; may be {@code null}
     * @return the value as it goes after {@code key=}
     */
    public static String logValue(String s) {
        if (s == null) {
            return "-";
        }
        String more = "";
        if (s.length() > MAX_LOG_VALUE) {
            int cut = Character.isHighSurrogate(s.charAt(MAX_LOG_VALUE - 1)) ? MAX_LOG_VALUE - 1 : MAX_LOG_VALUE;
            more = "...[" + (s.length() - cut) + " more]";
            s = s.substring(0, cut);
        } else if (isPlainToken(s)) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 8).append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (mustEscape(cp)) {
                        for (int k = i; k < i + n; k++) {
                            unicodeEscape(sb, s.charAt(k));
                        }
                    } else {
                        sb.append(s, i, i + n);
                    }
                }
            }
            i += n;
        }
        return sb.append(more).append('"').toString();
    }

    private static boolean isPlainToken(String s) {
        if (s.isEmpty() || s.equals("-")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == ',';
            if (!plain) {
                return false;
            }
        }
        return true;
    }

    private static boolean mustEscape(int cp) {
        return switch (Character.getType(cp)) {
            // Cc covers C0, DEL and C1 (U+0085); Zl/Zp are U+2028/U+2029, which some viewers break lines on;
            // Cf hides text (U+202E reverses what follows); a lone surrogate is not text at all
            case Character.CONTROL, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.FORMAT,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    private static void unicodeEscape(StringBuilder sb, char c) {
        sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }

    /**
     * @param a an address
     * @return {@code ip:port}, without a reverse lookup
     */
    public static String address(InetSocketAddress a) {
        return a.getAddress() != null ? a.getAddress().getHostAddress() + ":" + a.getPort() : a.getHostString() + ":" + a.getPort();
    }

    /**
     * @param a an address, or {@code null}
     * @return {@link #address} as a logfmt value: {@code -} for {@code null}, quoted when the host is
     *         an unresolved name that is not a plain token (a PassDb gave it)
     */
    public static String logAddress(InetSocketAddress a) {
        return a == null ? "-" : logValue(address(a));
    }
}
