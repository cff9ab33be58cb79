package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the SASL decoders with whatever a client may send: they answer with their documented
 * result types (an empty {@link Optional}, {@code false}, an invalid {@link Scram.Result}) and never
 * throw. A plain {@code mvn verify} runs the committed inputs under {@code SaslFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes (see the README's "Fuzzing" section).
 */
class SaslFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodePlain(FuzzedDataProvider data) {
        boolean encode = data.consumeBoolean();
        String text = data.consumeRemainingAsString();
        // half the time the fuzzer's text is the decoded message, so that the NUL structure is reached
        String base64 = encode ? Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) : text;
        Optional<Sasl.PlainCredentials> plain = Sasl.decodePlain(base64);
        plain.ifPresent(c -> {
            assertThat(c.authenticationId()).isNotEmpty().doesNotContain("\0");
            assertThat(c.authorizationId()).doesNotContain("\0");
            assertThat(c.password()).doesNotContain("\0");
            assertThat(c.toString()).endsWith("password=***]");
        });
        if (encode && text.indexOf('\0') < 0) {
            assertThat(plain).isEmpty();
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodeText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Optional<String> decoded = Sasl.decodeText(text);
        assertThat(decoded).isNotNull();
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void scram(FuzzedDataProvider data) {
        Scram scram = Scram.forMechanism(data.consumeBoolean() ? "SCRAM-SHA-1" : "SCRAM-SHA-256").orElseThrow();
        boolean bindToNonce = data.consumeBoolean();
        String first = data.consumeString(512);
        String fin = data.consumeRemainingAsString();
        if (!scram.clientFirst(first)) {
            return;
        }
        assertThat(scram.user()).isNotEmpty();
        String serverFirst = scram.serverFirst();
        assertThat(serverFirst).startsWith("r=").contains(",s=", ",i=");
        if (bindToNonce) {
            // reach the proof check: the fuzzer cannot guess the server's random nonce
            String nonce = serverFirst.substring(2, serverFirst.indexOf(",s="));
            String gs2 = first.substring(0, first.indexOf(',', first.indexOf(',') + 1) + 1);
            fin = "c=" + Base64.getEncoder().encodeToString(gs2.getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce + fin;
        }
        Scram.Result result = scram.clientFinal(fin, "pencil");
        assertThat(result).isNotNull();
        // a random proof cannot be right; a valid result would mean the check is broken
        assertThat(result.valid()).isFalse();
        assertThat(result.serverFinal()).isNull();
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void cramMd5(FuzzedDataProvider data) {
        String decoded = data.consumeRemainingAsString();
        Optional<CramMd5.Response> response = CramMd5.parse(decoded);
        response.ifPresent(r -> {
            assertThat(r.user()).isNotEmpty();
            assertThat(r.digest()).isNotEmpty().doesNotContain(" ");
            assertThat(r.user() + " " + r.digest()).isEqualTo(decoded);
        });
    }
}
