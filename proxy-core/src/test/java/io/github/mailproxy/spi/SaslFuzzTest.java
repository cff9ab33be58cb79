package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.testing.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the SASL decoders with whatever a client may send: they answer with their documented
 * result types (an empty {@link Optional}, {@code false}, an invalid {@link Scram.Result}) and never
 * throw. A plain {@code mvn verify} runs the committed inputs under {@code SaslFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes (see the README's "Fuzzing" section). Inputs are laid out as
 * {@link FuzzInput} describes.
 */
class SaslFuzzTest {

    /** Option bit 0 set: the body is the decoded PLAIN message, base64-encoded here; else the client's text. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodePlain(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        boolean encode = in.option(0);
        String base64 = encode ? Base64.getEncoder().encodeToString(in.body()) : in.field(0, 1);
        Optional<Sasl.PlainCredentials> plain = Sasl.decodePlain(base64);
        plain.ifPresent(c -> {
            assertThat(c.authenticationId()).isNotEmpty().doesNotContain("\0");
            assertThat(c.authorizationId()).doesNotContain("\0");
            assertThat(c.password()).doesNotContain("\0");
            assertThat(c.toString()).endsWith("password=***]");
        });
        if (encode && indexOf(in.body(), (byte) 0) < 0) {
            assertThat(plain).isEmpty();
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodeText(byte[] bytes) {
        String text = FuzzInput.of(bytes).field(0, 1);
        Optional<String> decoded = Sasl.decodeText(text);
        assertThat(decoded).isNotNull();
        decoded.ifPresent(d -> assertThat(Sasl.decodeText(Base64.getEncoder().encodeToString(
                d.getBytes(StandardCharsets.UTF_8)))).contains(d));
    }

    /**
     * Fields: client-first-message, client-final-message. Option bit 0: SCRAM-SHA-256 rather than
     * SHA-1; bit 1: prefix the final message with the right channel binding and nonce, which the
     * fuzzer could never guess, so that the proof check is reached.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void scram(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        Scram scram = Scram.forMechanism(in.option(0) ? "SCRAM-SHA-256" : "SCRAM-SHA-1").orElseThrow();
        String first = in.field(0, 2);
        String fin = in.field(1, 2);
        if (!scram.clientFirst(first)) {
            return;
        }
        assertThat(scram.user()).isNotEmpty();
        String serverFirst = scram.serverFirst();
        assertThat(serverFirst).startsWith("r=").contains(",s=", ",i=");
        if (in.option(1)) {
            String nonce = serverFirst.substring(2, serverFirst.indexOf(",s="));
            String gs2 = first.substring(0, first.indexOf(',', first.indexOf(',') + 1) + 1);
            fin = "c=" + Base64.getEncoder().encodeToString(gs2.getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce + fin;
        }
        Scram.Result result = scram.clientFinal(fin, "pencil");
        assertThat(result).isNotNull();
        // a proof made without the server's salt cannot be right; valid would mean the check is broken
        assertThat(result.valid()).isFalse();
        assertThat(result.serverFinal()).isNull();
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void cramMd5(byte[] bytes) {
        String decoded = FuzzInput.of(bytes).field(0, 1);
        Optional<CramMd5.Response> response = CramMd5.parse(decoded);
        response.ifPresent(r -> {
            assertThat(r.user()).isNotEmpty();
            assertThat(r.digest()).isNotEmpty().doesNotContain(" ");
            assertThat(r.user() + " " + r.digest()).isEqualTo(decoded);
        });
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
