package io.github.mailproxy.internal.scheme;

import java.util.Arrays;

/**
 * MD5 (RFC 1321) with its chaining values in reach, which {@link java.security.MessageDigest} does not
 * give: Dovecot's CRAM-MD5 scheme stores the state after one 64-byte block and resumes from it. Only
 * {@link HmacMd5Context} needs this; everywhere else the JDK's MD5 is used.
 */
final class Md5State {

    static final int BLOCK = 64;

    private static final int[] INITIAL = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    private static final int[] SHIFT = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
    /** RFC 1321's T[i] = floor(2^32 * abs(sin(i + 1))), written out so that no floating point is involved. */
    static final int[] T = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };

    private Md5State() {
    }

    /** @return the chaining values before any input */
    static int[] initial() {
        return INITIAL.clone();
    }

    /**
     * Runs the compression function over one block.
     *
     * @param state  the four chaining values, updated in place
     * @param block  the input
     * @param offset where the 64-byte block starts
     */
    static void compress(int[] state, byte[] block, int offset) {
        int[] m = new int[16];
        for (int i = 0; i < 16; i++) {
            m[i] = littleEndian(block, offset + 4 * i);
        }
        int a = state[0];
        int b = state[1];
        int c = state[2];
        int d = state[3];
        for (int i = 0; i < 64; i++) {
            int f;
            int g;
            if (i < 16) {
                f = (b & c) | (~b & d);
                g = i;
            } else if (i < 32) {
                f = (d & b) | (~d & c);
                g = (5 * i + 1) & 15;
            } else if (i < 48) {
                f = b ^ c ^ d;
                g = (3 * i + 5) & 15;
            } else {
                f = c ^ (b | ~d);
                g = (7 * i) & 15;
            }
            int rotated = Integer.rotateLeft(a + f + T[i] + m[g], SHIFT[(i >>> 4) * 4 + (i & 3)]);
            a = d;
            d = c;
            c = b;
            b = b + rotated;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }

    /**
     * Finishes a hash resumed from some state.
     *
     * @param state         the chaining values after {@code bytesBefore} bytes; not changed
     * @param bytesBefore   how many bytes (whole blocks) the state has consumed
     * @param data          the rest of the message
     * @return the 16-byte digest
     */
    static byte[] finish(int[] state, long bytesBefore, byte[] data) {
        int[] h = state.clone();
        long total = bytesBefore + data.length;
        int padded = ((data.length + 8) / BLOCK + 1) * BLOCK;
        byte[] tail = Arrays.copyOf(data, padded);
        tail[data.length] = (byte) 0x80;
        long bits = total * 8;
        for (int i = 0; i < 8; i++) {
            tail[padded - 8 + i] = (byte) (bits >>> (8 * i));
        }
        for (int offset = 0; offset < padded; offset += BLOCK) {
            compress(h, tail, offset);
        }
        byte[] digest = new byte[16];
        for (int i = 0; i < 4; i++) {
            putLittleEndian(h[i], digest, 4 * i);
        }
        return digest;
    }

    static int littleEndian(byte[] b, int offset) {
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16 | (b[offset + 3] & 0xff) << 24;
    }

    static void putLittleEndian(int value, byte[] out, int offset) {
        out[offset] = (byte) value;
        out[offset + 1] = (byte) (value >>> 8);
        out[offset + 2] = (byte) (value >>> 16);
        out[offset + 3] = (byte) (value >>> 24);
    }
}
