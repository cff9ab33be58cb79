package io.github.mailproxy.internal.scheme;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The schemes we know, by every name Dovecot accepts for them (upper case). */
final class Schemes {

    private static final Map<String, Scheme> BY_NAME = build();

    private Schemes() {
    }

    /**
     * @param name a scheme name without encoding suffix, any case
     * @return the scheme, or {@code null} if unknown
     */
    static Scheme lookup(String name) {
        return BY_NAME.get(name.toUpperCase(Locale.ROOT));
    }

    /** @return every accepted name, sorted */
    static Iterable<String> names() {
        return Collections.unmodifiableSet(BY_NAME.keySet());
    }

    private static Map<String, Scheme> build() {
        Map<String, Scheme> m = new TreeMap<>();
        add(m, new PlainScheme("PLAIN"));
        add(m, new PlainScheme("CLEARTEXT"));
        add(m, new DigestScheme("PLAIN-MD5", "MD5", Encoding.HEX, 16));
        add(m, new DigestScheme("LDAP-MD5", "MD5", Encoding.BASE64, 16));
        Scheme sha1 = new DigestScheme("SHA", "SHA-1", Encoding.BASE64, 20);
        add(m, sha1);
        m.put("SHA1", sha1);
        add(m, new DigestScheme("SHA256", "SHA-256", Encoding.BASE64, 32));
        add(m, new DigestScheme("SHA512", "SHA-512", Encoding.BASE64, 64));
        add(m, new SaltedDigestScheme("SMD5", "MD5", 16));
        add(m, new SaltedDigestScheme("SSHA", "SHA-1", 20));
        add(m, new SaltedDigestScheme("SSHA256", "SHA-256", 32));
        add(m, new SaltedDigestScheme("SSHA512", "SHA-512", 64));
        add(m, new Md5Scheme());
        add(m, new CryptScheme("CRYPT"));
        add(m, new CryptScheme("MD5-CRYPT"));
        add(m, new CryptScheme("SHA256-CRYPT"));
        add(m, new CryptScheme("SHA512-CRYPT"));
        add(m, new CryptScheme("BLF-CRYPT"));
        add(m, new Pbkdf2Scheme());
        add(m, new Argon2Scheme("ARGON2I"));
        add(m, new Argon2Scheme("ARGON2ID"));
        Scheme cram = new CramMd5Scheme();
        add(m, cram);
        m.put("HMAC-MD5", cram);  // Dovecot's older name for the same thing
        return Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, Scheme> m, Scheme scheme) {
        m.put(scheme.name(), scheme);
    }
}
