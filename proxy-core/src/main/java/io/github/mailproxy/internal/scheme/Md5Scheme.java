package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.nio.charset.StandardCharsets;

/**
 * Dovecot's {@code MD5}: an MD5-CRYPT hash when the value starts with {@code $1$}, otherwise a
 * PLAIN-MD5 digest in hex or base64 (Dovecot's md5_verify does the same).
 */
final class Md5Scheme implements Scheme {

    private static final Scheme CRYPT = new CryptScheme("MD5-CRYPT");
    private static final Scheme PLAIN_MD5 = new DigestScheme("PLAIN-MD5", "MD5", Encoding.HEX, 16);

    @Override
    public String name() {
        return "MD5";
    }

    @Override
    public Encoding defaultEncoding() {
        return Encoding.NONE;
    }

    @Override
    public Library library() {
        return Library.COMMONS_CODEC;  // for $1$ values; a PLAIN-MD5 digest needs only the JDK
    }

    @Override
    public boolean expensive() {
        return true;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        String value = new String(raw, StandardCharsets.UTF_8);
        if (value.startsWith("$1$")) {
            return CRYPT.verify(password, raw);
        }
        byte[] digest = StoredValue.decodeGuessing(value, PLAIN_MD5.rawLength());
        return digest == null ? Verdict.MALFORMED : PLAIN_MD5.verify(password, digest);
    }
}
