package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.security.MessageDigest;

/** PLAIN and CLEARTEXT: the password itself. */
record PlainScheme(String name) implements Scheme {

    @Override
    public Encoding defaultEncoding() {
        return Encoding.NONE;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        return MessageDigest.isEqual(password, raw) ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
