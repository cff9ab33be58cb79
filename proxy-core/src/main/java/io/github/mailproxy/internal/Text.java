package io.github.mailproxy.internal;

import java.net.InetSocketAddress;

/** Small text helpers for logs. */
public final class Text {

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
     * @param a an address
     * @return {@code ip:port}, without a reverse lookup
     */
    public static String address(InetSocketAddress a) {
        return a.getAddress() != null ? a.getAddress().getHostAddress() + ":" + a.getPort() : a.getHostString() + ":" + a.getPort();
    }
}
