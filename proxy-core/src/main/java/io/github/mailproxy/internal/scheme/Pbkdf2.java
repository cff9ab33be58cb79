package io.github.mailproxy.internal.scheme;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * PBKDF2 (RFC 8018 section 5.2) over the JDK's HMAC, for the {@code PBKDF2} scheme and SCRAM's
 * {@code Hi()}. The JDK's own {@code PBKDF2WithHmacSHA*} takes the password as {@code char[]} and
 * re-encodes it; this takes the bytes as they are, and an empty password too, as Dovecot and RFC 5802 do.
 */
public final class Pbkdf2 {

    private Pbkdf2() {
    }

    /**
     * @param macAlgorithm the JDK's HMAC name, {@code HmacSHA1} or {@code HmacSHA256}
     * @param password     the password's bytes; may be empty
     * @param salt         the salt
     * @param iterations   the iteration count, at least 1
     * @param length       the derived key's length in bytes
     * @return the derived key
     * @throws IllegalArgumentException if the count or length is below 1, or the JDK lacks the HMAC
     */
    public static byte[] derive(String macAlgorithm, byte[] password, byte[] salt, int iterations, int length) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(salt, "salt");
        if (iterations < 1 || length < 1) {
            throw new IllegalArgumentException("iterations and length must be at least 1");
        }
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new RawKey(macAlgorithm, password));
            int blockLength = mac.getMacLength();
            byte[] out = new byte[length];
            byte[] u = new byte[blockLength];
            byte[] t = new byte[blockLength];
            for (int block = 1, offset = 0; offset < length; block++, offset += blockLength) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, blockLength);
                for (int i = 1; i < iterations; i++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int j = 0; j < blockLength; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, offset, Math.min(blockLength, length - offset));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("PBKDF2 with " + macAlgorithm + " is not available", e);
        }
    }

    /**
     * A raw HMAC key. {@code SecretKeySpec} refuses an empty key, which an empty password is; the JDK's
     * HMAC takes any length (RFC 2104 pads it with zeros).
     */
    private record RawKey(String algorithm, byte[] bytes) implements SecretKey {

        @Override
        public String getAlgorithm() {
            return algorithm;
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "RawKey[" + algorithm + "]";  // never the key, which is a password
        }
    }
}
