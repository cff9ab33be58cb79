package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.security.MessageDigest;

/** CRAM-MD5: the stored HMAC-MD5 context (see {@link HmacMd5Context}), hex by default. */
final class CramMd5Scheme implements Scheme {

    @Override
    public String name() {
        return "CRAM-MD5";
    }

    @Override
    public Encoding defaultEncoding() {
        return Encoding.HEX;
    }

    @Override
    public int rawLength() {
        return HmacMd5Context.LENGTH;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        return MessageDigest.isEqual(HmacMd5Context.of(password), raw) ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
