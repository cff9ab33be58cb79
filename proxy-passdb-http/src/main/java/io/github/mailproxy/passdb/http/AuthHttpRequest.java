package io.github.mailproxy.passdb.http;

import io.github.mailproxy.AuthRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The headers nginx's {@code ngx_mail_auth_http_module} sends for an IMAP or POP3 login, in its order:
 * {@code Auth-Method}, {@code Auth-User}, {@code Auth-Pass}, {@code Auth-Protocol}, {@code Auth-Login-Attempt},
 * {@code Client-IP}, then the configured ones ({@code auth_http_header}). nginx sends {@code Client-Host} only
 * for SMTP (it resolves names there alone), and {@code Auth-Salt} only with APOP and CRAM-MD5, which password
 * forwarding does not offer; so neither is sent.
 *
 * <p>Values are escaped to ASCII (see {@link #escape}); answers' header values are read one byte per char
 * (ISO-8859-1), as the {@link java.net.http.HttpClient} reads them, and then as UTF-8 ({@link #text}).
 */
final class AuthHttpRequest {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private AuthHttpRequest() {
    }

    /**
     * @param request the login
     * @param attempt which login of the session this is, from 1
     * @return header name to value, in nginx's order
     */
    static Map<String, String> headers(AuthRequest request, int attempt) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Auth-Method", method(request.mechanism()));
        h.put("Auth-User", escape(request.userBytes()));
        byte[] password = request.passwordBytes();
        h.put("Auth-Pass", password == null ? "" : escape(password));
        h.put("Auth-Protocol", request.protocol().toLowerCase(Locale.ROOT));
        h.put("Auth-Login-Attempt", Integer.toString(attempt));
        h.put("Client-IP", addressText(request.clientAddress().getAddress()));
        return h;
    }

    /**
     * nginx's {@code Auth-Method} names: {@code plain} for every plaintext login (IMAP LOGIN, AUTHENTICATE
     * PLAIN and LOGIN, POP3 USER/PASS, AUTH PLAIN and LOGIN), else the mechanism in lower case
     * ({@code apop}, {@code cram-md5}, {@code external}).
     */
    static String method(String mechanism) {
        String m = mechanism.toUpperCase(Locale.ROOT);
        return m.equals("PLAIN") || m.equals("LOGIN") ? "plain" : m.toLowerCase(Locale.ROOT);
    }

    /**
     * nginx's {@code NGX_ESCAPE_MAIL_AUTH}: space, {@code %} and the control bytes 0x00-0x1F become
     * {@code %XX} (upper-case hex); printable ASCII is sent as it is. Bytes from 0x7F up are escaped too: nginx
     * sends them raw, but the JDK's HTTP client writes header values as ASCII. An auth server decodes
     * {@code %XX} anyway (it must, for space and {@code %}), so it reads the same bytes either way.
     *
     * @param bytes what the client sent
     * @return the header value
     */
    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c <= 0x20 || c == '%' || c >= 0x7f) {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /**
     * An auth server's header value as text: its bytes (one per char) read as UTF-8, as the client's own
     * bytes would be.
     */
    static String text(String headerValue) {
        return new String(headerValue.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The address as nginx writes it: dotted IPv4, or IPv6 in its shortest form ({@code ::1}), no brackets. */
    static String addressText(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] a = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // RFC 5952: the longest run of two or more zero groups, the first of equals, becomes "::"
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
