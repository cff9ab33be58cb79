package io.github.mailproxy.passdb.ldap;

import java.nio.charset.StandardCharsets;

/**
 * Escapes a value put into an LDAP filter (RFC 4515) or a DN (RFC 4514), as Dovecot's
 * {@code ldap_escape} does: each byte of its UTF-8 form that is one of {@code * , \ # + < > ; " ( ) =}
 * or a space, a control character (NUL included) or not ASCII becomes {@code \XX}. The one escape is
 * right in both places, so a user name can neither widen a filter ({@code *}, {@code )(}) nor add a
 * component to a DN ({@code ,}).
 */
final class LdapEscape {

    private static final String SPECIAL = "*,\\#+<>;\"()= ";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LdapEscape() {
    }

    /**
     * @param value a variable's value
     * @return it, safe inside a filter's assertion value or a DN's attribute value
     */
    static String escape(String value) {
        StringBuilder out = null;
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean escaped = b < 0x20 || b >= 0x7f || SPECIAL.indexOf(b) >= 0;
            if (escaped && out == null) {
                out = new StringBuilder(bytes.length + 16).append(new String(bytes, 0, i, StandardCharsets.US_ASCII));
            }
            if (escaped) {
                out.append('\\').append(HEX[b >> 4]).append(HEX[b & 0xf]);
            } else if (out != null) {
                out.append((char) b);
            }
        }
        return out == null ? value : out.toString();
    }
}
