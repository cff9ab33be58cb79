package io.github.mailproxy.internal.scheme;

/**
 * A stored password split into scheme and value, as Dovecot's password_get_scheme and
 * password_decode do it.
 *
 * @param schemeName the scheme name as written, suffix included (for the log)
 * @param scheme     the scheme, or {@code null} when the name or its suffix is unknown
 * @param encoding   how {@link #value} is written; {@code null} when {@code scheme} is
 * @param explicit   whether a {@code .HEX}/{@code .B64} suffix fixed the encoding
 * @param value      the text after the prefix
 */
record StoredValue(String schemeName, Scheme scheme, Encoding encoding, boolean explicit, String value) {

    /**
     * @param stored        the stored password
     * @param defaultScheme the scheme for a value without {@code {SCHEME}} prefix
     * @return the parts
     */
    static StoredValue parse(String stored, String defaultScheme) {
        String name = defaultScheme;
        String value = stored;
        if (stored.startsWith("$1$") && stored.indexOf('$', 3) > 0) {
            // Dovecot takes a bare $1$salt$hash as MD5-CRYPT whatever the default, ignoring a further $ part.
            name = "MD5-CRYPT";
            int end = stored.indexOf('$', stored.indexOf('$', 3) + 1);
            value = end < 0 ? stored : stored.substring(0, end);
        } else if (stored.startsWith("{") && stored.indexOf('}') > 0) {
            int close = stored.indexOf('}');
            name = stored.substring(1, close);
            value = stored.substring(close + 1);
        }
        int dot = name.indexOf('.');
        Scheme scheme = Schemes.lookup(dot < 0 ? name : name.substring(0, dot));
        Encoding encoding = scheme == null ? null
                : dot < 0 ? scheme.defaultEncoding() : Encoding.ofSuffix(name.substring(dot + 1));
        if (encoding == null) {
            scheme = null;  // an unknown suffix makes the whole scheme unknown, as in Dovecot
        }
        return new StoredValue(name, scheme, encoding, dot >= 0, value);
    }

    /** @return the decoded raw bytes, or {@code null} if the value is not valid for the scheme */
    byte[] raw() {
        int length = scheme.rawLength();
        byte[] raw = encoding != Encoding.NONE && length > 0 && !explicit
                ? decodeGuessing(value, length) : encoding.decode(value);
        return raw == null || length > 0 && raw.length != length ? null : raw;
    }

    /**
     * Without a suffix Dovecot tells hex from base64 by the length alone: exactly twice the raw
     * length is hex. A hex-length text that is not hex is tried as base64 too.
     */
    static byte[] decodeGuessing(String value, int rawLength) {
        if (value.length() == 2 * rawLength) {
            byte[] hex = Encoding.HEX.decode(value);
            if (hex != null) {
                return hex;
            }
        }
        return Encoding.BASE64.decode(value);
    }
}
