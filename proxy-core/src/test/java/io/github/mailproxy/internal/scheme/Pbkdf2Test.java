package io.github.mailproxy.internal.scheme;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/** PBKDF2 on the JDK's HMAC, as the PBKDF2 scheme and SCRAM use it. */
class Pbkdf2Test {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void matchesRfc6070sVectors() {
        assertThat(HexFormat.of().formatHex(Pbkdf2.derive("HmacSHA1", ascii("password"), ascii("salt"), 1, 20)))
                .isEqualTo("0c60c80f961f0e71f3a9b524af6012062fe037a6");
        assertThat(HexFormat.of().formatHex(Pbkdf2.derive("HmacSHA1", ascii("password"), ascii("salt"), 4096, 20)))
                .isEqualTo("4b007901b765489abead49d926f721d065a429c1");
        assertThat(HexFormat.of().formatHex(Pbkdf2.derive("HmacSHA1", ascii("passwordPASSWORDpassword"),
                ascii("saltSALTsaltSALTsaltSALTsaltSALTsalt"), 4096, 25)))
                .isEqualTo("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
    }

    @Test
    void agreesWithTheJdksOwnPbkdf2WithHmacSha256() throws Exception {
        byte[] ours = Pbkdf2.derive("HmacSHA256", "pässwörd".getBytes(StandardCharsets.UTF_8), ascii("NaCl"), 1000, 32);
        byte[] jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pässwörd".toCharArray(), ascii("NaCl"), 1000, 256)).getEncoded();
        assertThat(ours).isEqualTo(jdk);
    }

    @Test
    void takesAnEmptyPasswordWhichSecretKeySpecWouldRefuse() {
        assertThat(Pbkdf2.derive("HmacSHA256", new byte[0], ascii("salt"), 2, 32)).hasSize(32);
    }
}
