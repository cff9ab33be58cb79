package io.github.mailproxy;

import io.github.mailproxy.internal.Text;

/**
 * Formats values for log lines in logfmt ({@code key=value key="two words"}), the form of every line
 * mailproxy logs. Use it in a {@link PassDb} or protocol module for any value that a client, a backend
 * or a database supplied, so that it cannot forge fields or lines:
 *
 * <pre>{@code
 * LOG.warn("session={} msg=\"user table unreachable\" user={}", request.sessionId(), Logfmt.value(request.user()));
 * }</pre>
 */
public final class Logfmt {

    private Logfmt() {
    }

    /**
     * Plain tokens (ASCII letters, digits and {@code . - _ : @ / + ,}) stay bare; anything else is
     * double-quoted, with {@code "} and {@code \} escaped, CR/LF/tab as {@code \r \n \t} and other
     * control, line-separator and invisible format characters (U+0085, U+2028, U+202E among them) as
     * {@code \}{@code uXXXX}. The empty string is {@code ""}; a lone {@code -} is quoted too.
     *
     * @param s the value; may be {@code null}
     * @return the value as it goes after {@code key=}; {@code -} for {@code null}
     */
    public static String value(String s) {
        return Text.logValue(s);
    }

    /**
     * @param o a value whose {@link Object#toString()} is logged, such as an exception; may be {@code null}
     * @return {@link #value(String)} of its string form; {@code -} for {@code null}
     */
    public static String value(Object o) {
        return o == null ? "-" : Text.logValue(o.toString());
    }
}
