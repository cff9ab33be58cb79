package io.github.mailproxy.internal.scheme;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our MD5, kept only for resumable HMAC-MD5 contexts, agrees with the JDK's for every length around a block. */
class Md5StateTest {

    @Test
    void digestsEqualTheJdksForLengthsAcrossBlockAndPaddingBoundaries() throws Exception {
        Random random = new Random(12);
        for (int length = 0; length <= 3 * Md5State.BLOCK + 1; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            assertThat(Md5State.finish(Md5State.initial(), 0, data)).as("length %d", length)
                    .isEqualTo(MessageDigest.getInstance("MD5").digest(data));
        }
    }

    @Test
    void resumingAfterOneBlockEqualsHashingTheWholeMessage() throws Exception {
        byte[] message = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef and the rest".getBytes();
        int[] state = Md5State.initial();
        Md5State.compress(state, message, 0);
        byte[] rest = java.util.Arrays.copyOfRange(message, Md5State.BLOCK, message.length);
        assertThat(Md5State.finish(state, Md5State.BLOCK, rest)).isEqualTo(MessageDigest.getInstance("MD5").digest(message));
    }

    @Test
    void theConstantsAreRfc1321sSineTable() {
        for (int i = 0; i < 64; i++) {
            assertThat(Md5State.T[i]).as("T[%d]", i + 1)
                    .isEqualTo((int) (long) Math.floor(Math.abs(StrictMath.sin(i + 1)) * 4294967296.0));
        }
    }
}
