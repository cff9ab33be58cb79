package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SaslTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesPlainWithAndWithoutAuthorizationId() {
        assertThat(Sasl.decodePlain(b64("\0tim\0tanstaaftanstaaf"))).hasValueSatisfying(c -> {
            assertThat(c.authorizationId()).isEmpty();
            assertThat(c.authenticationId()).isEqualTo("tim");
            assertThat(c.password()).isEqualTo("tanstaaftanstaaf");
        });
        assertThat(Sasl.decodePlain(b64("Ursel\0Kurt\0xipj3plmq"))).hasValueSatisfying(c ->
                assertThat(c.authorizationId()).isEqualTo("Ursel"));
    }

    @Test
    void keepsSpacesAndUnicodeInPasswords() {
        assertThat(Sasl.decodePlain(b64("\0jörg\0pass word ü"))).hasValueSatisfying(c -> {
            assertThat(c.authenticationId()).isEqualTo("jörg");
            assertThat(c.password()).isEqualTo("pass word ü");
        });
    }

    @Test
    void rejectsMalformedMessages() {
        assertThat(Sasl.decodePlain("not base64!")).isEmpty();
        assertThat(Sasl.decodePlain(b64("no nuls at all"))).isEmpty();
        assertThat(Sasl.decodePlain(b64("\0\0password"))).isEmpty();
        assertThat(Sasl.decodePlain(b64("a\0b\0c\0d"))).isEmpty();
    }

    @Test
    void encodeRoundTrips() {
        String encoded = Sasl.encodePlain("user", "master", "secret");
        assertThat(Sasl.decodePlain(encoded)).hasValueSatisfying(c -> {
            assertThat(c.authorizationId()).isEqualTo("user");
            assertThat(c.authenticationId()).isEqualTo("master");
            assertThat(c.password()).isEqualTo("secret");
        });
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(new Sasl.PlainCredentials("", "u", "hunter2").toString()).doesNotContain("hunter2");
    }
}
