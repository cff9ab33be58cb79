package io.github.mailproxy.internal.scheme;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The HMAC-MD5 "context" that Dovecot stores for CRAM-MD5: the MD5 chaining values after the outer
 * ({@code key ^ opad}) and the inner ({@code key ^ ipad}) block, each as four little-endian 32-bit
 * words, outer first (Dovecot's hmac_md5_get_cram_context). With it an HMAC-MD5 can be finished for
 * any challenge without knowing the password. The JDK's MD5 cannot be resumed from chaining values,
 * so {@link Md5State} does the MD5 here.
 */
final class HmacMd5Context {

    /** The stored context's length. */
    static final int LENGTH = 32;

    private HmacMd5Context() {
    }

    /**
     * @param secret the password's bytes
     * @return the 32-byte context Dovecot would store for it
     */
    static byte[] of(byte[] secret) {
        byte[] key = secret.length > Md5State.BLOCK ? md5(secret) : secret;
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
        byte[] innerHash = Md5State.finish(state(context, 16), Md5State.BLOCK, challenge);
        return Md5State.finish(state(context, 0), Md5State.BLOCK, innerHash);
    }

    private static byte[] pad(byte[] key, byte pad) {
        byte[] block = Arrays.copyOf(key, Md5State.BLOCK);
        for (int i = 0; i < Md5State.BLOCK; i++) {
            block[i] ^= pad;
        }
        return block;
    }

    private static void chainingValues(byte[] block, byte[] out, int outOffset) {
        int[] state = Md5State.initial();
        Md5State.compress(state, block, 0);
        for (int i = 0; i < 4; i++) {
            Md5State.putLittleEndian(state[i], out, outOffset + 4 * i);
        }
    }

    private static int[] state(byte[] context, int offset) {
        int[] state = new int[4];
        for (int i = 0; i < 4; i++) {
            state[i] = Md5State.littleEndian(context, offset + 4 * i);
        }
        return state;
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }
}
