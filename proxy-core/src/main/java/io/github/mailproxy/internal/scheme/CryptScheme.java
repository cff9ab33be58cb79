package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The crypt(3) family: MD5-CRYPT ({@code $1$}), SHA256-CRYPT ({@code $5$}), SHA512-CRYPT ({@code $6$}),
 * BLF-CRYPT ({@code $2a$}, {@code $2b$}, {@code $2y$}) and CRYPT (traditional DES when there is no
 * {@code $} prefix).
 *
 * <p>Dovecot hands every one of these names to the system's crypt(), which picks the algorithm from
 * the hash's own prefix whatever the scheme was called; so does this class, so that for example an
 * old {@code {CRYPT}$6$...} entry keeps working.
 *
 * @param name the scheme name
 */
record CryptScheme(String name) implements Scheme {

    /** bcrypt uses at most this many bytes of the password, as OpenBSD and libxcrypt do. */
    private static final int BCRYPT_MAX_PASSWORD = 72;
    /**
     * Cost bounds far above any real setting (Dovecot writes bcrypt cost 5 and SHA-crypt 5,000 rounds),
     * so that a stored value cannot tie a hashing thread up for minutes: above them a value is MALFORMED.
     */
    static final int BCRYPT_MAX_COST = 14;
    static final int SHA_CRYPT_MAX_ROUNDS = 1_000_000;

    @Override
    public Encoding defaultEncoding() {
        return Encoding.NONE;
    }

    @Override
    public boolean expensive() {
        return true;
    }

    @Override
    public Library library() {
        return name.equals("BLF-CRYPT") ? Library.BOUNCY_CASTLE : Library.COMMONS_CODEC;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        String hash = new String(raw, StandardCharsets.UTF_8);
        if (hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")) {
            Library.BOUNCY_CASTLE.require("BLF-CRYPT");
            return bcrypt(password, hash);
        }
        if (!withinCost(hash)) {
            return Verdict.MALFORMED;
        }
        String computed;
        if (hash.startsWith("$1$")) {
            Library.COMMONS_CODEC.require("MD5-CRYPT");
            computed = Md5Crypt.md5Crypt(password, hash);
        } else if (hash.startsWith("$5$")) {
            Library.COMMONS_CODEC.require("SHA256-CRYPT");
            computed = Sha2Crypt.sha256Crypt(password, hash);
        } else if (hash.startsWith("$6$")) {
            Library.COMMONS_CODEC.require("SHA512-CRYPT");
            computed = Sha2Crypt.sha512Crypt(password, hash);
        } else if (hash.length() == 13 && !hash.startsWith("$")) {
            Library.COMMONS_CODEC.require("CRYPT");
            computed = UnixCrypt.crypt(password, hash);
        } else {
            return Verdict.MALFORMED;
        }
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.UTF_8), raw) ? Verdict.MATCH : Verdict.MISMATCH;
    }

    /** SHA-crypt's optional {@code rounds=N} field, checked before any hashing. */
    private static boolean withinCost(String hash) {
        if ((hash.startsWith("$5$rounds=") || hash.startsWith("$6$rounds="))) {
            int end = hash.indexOf('$', 10);
            try {
                long rounds = Long.parseLong(hash.substring(10, end < 0 ? hash.length() : end));
                return rounds <= SHA_CRYPT_MAX_ROUNDS;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static Verdict bcrypt(byte[] password, String hash) {
        if (hash.length() < 7 || hash.charAt(6) != '$') {
            return Verdict.MALFORMED;
        }
        int cost;
        try {
            cost = Integer.parseInt(hash.substring(4, 6));
        } catch (NumberFormatException e) {
            return Verdict.MALFORMED;
        }
        if (cost > BCRYPT_MAX_COST) {
            return Verdict.MALFORMED;
        }
        byte[] key = password.length > BCRYPT_MAX_PASSWORD ? Arrays.copyOf(password, BCRYPT_MAX_PASSWORD) : password;
        // OpenBSDBCrypt compares in constant time.
        return OpenBSDBCrypt.checkPassword(hash, key) ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
