package io.github.mailproxy.internal.scheme;

import java.util.Arrays;
import org.bouncycastle.crypto.digests.MD5Digest;
import org.bouncycastle.util.Pack;

/**
 * The HMAC-MD5 "context" that Dovecot stores for CRAM-MD5: the MD5 chaining values after the outer
 * ({@code key ^ opad}) and the inner ({@code key ^ ipad}) block, each as four little-endian 32-bit
 * words, outer first (Dovecot's hmac_md5_get_cram_context). With it an HMAC-MD5 can be finished for
 * any challenge without knowing the password.
 *
 * <p>The MD5 itself is Bouncy Castle's; we only move its chaining values in and out through
 * {@link MD5Digest#getEncodedState()}, in which they are the big-endian words at offsets 16 to 31.
 */
final class HmacMd5Context {

    /** The stored context's length. */
    static final int LENGTH = 32;

    private static final int BLOCK = 64;
    private static final int STATE_OFFSET = 16;

    private HmacMd5Context() {
    }

    /**
     * @param secret the password's bytes
     * @return the 32-byte context Dovecot would store for it
     */
    static byte[] of(byte[] secret) {
        byte[] key = secret.length > BLOCK ? md5(secret) : secret;
        byte[] context = new byte[LENGTH];
        chainingValues(pad(key, (byte) 0x5c), context, 0);
        chainingValues(pad(key, (byte) 0x36), context, 16);
        return context;
    }

    /**
     * Finishes HMAC-MD5 of a challenge from a stored context.
     *
     * @param context   32 bytes from {@link #of(byte[])} or from a {@code {CRAM-MD5}} entry
     * @param challenge the challenge the server sent
     * @return the 16-byte HMAC-MD5, what a CRAM-MD5 client sends in hex
     */
    static byte[] hmac(byte[] context, byte[] challenge) {
        MD5Digest inner = resume(context, 16);
        inner.update(challenge, 0, challenge.length);
        byte[] innerHash = new byte[16];
        inner.doFinal(innerHash, 0);
        MD5Digest outer = resume(context, 0);
        outer.update(innerHash, 0, innerHash.length);
        byte[] mac = new byte[16];
        outer.doFinal(mac, 0);
        return mac;
    }

    private static byte[] pad(byte[] key, byte pad) {
        byte[] block = Arrays.copyOf(key, BLOCK);
        for (int i = 0; i < BLOCK; i++) {
            block[i] ^= pad;
        }
        return block;
    }

    private static void chainingValues(byte[] block, byte[] out, int outOffset) {
        MD5Digest md5 = new MD5Digest();
        md5.update(block, 0, BLOCK);
        byte[] state = md5.getEncodedState();
        for (int i = 0; i < 4; i++) {
            Pack.intToLittleEndian(Pack.bigEndianToInt(state, STATE_OFFSET + 4 * i), out, outOffset + 4 * i);
        }
    }

    /** An MD5 that has consumed one block and holds the given chaining values, ready for more input. */
    private static MD5Digest resume(byte[] context, int offset) {
        MD5Digest template = new MD5Digest();
        template.update(new byte[BLOCK], 0, BLOCK);
        byte[] state = template.getEncodedState();
        for (int i = 0; i < 4; i++) {
            Pack.intToBigEndian(Pack.littleEndianToInt(context, offset + 4 * i), state, STATE_OFFSET + 4 * i);
        }
        return new MD5Digest(state);
    }

    private static byte[] md5(byte[] data) {
        MD5Digest md5 = new MD5Digest();
        md5.update(data, 0, data.length);
        byte[] out = new byte[16];
        md5.doFinal(out, 0);
        return out;
    }
}
