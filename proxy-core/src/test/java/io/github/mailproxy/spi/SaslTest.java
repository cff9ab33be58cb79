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
    @Test
    void plainKeepsTheClientsBytesAndReadsLatin1AsLatin1() {
        byte[] message = {0, 'j', (byte) 0xE4, 0, 'p', (byte) 0xE4};
        assertThat(Sasl.decodePlain(Base64.getEncoder().encodeToString(message))).hasValueSatisfying(c -> {
            assertThat(c.authenticationId()).isEqualTo("j\u00e4");
            assertThat(c.password()).isEqualTo("p\u00e4");
            assertThat(c.authenticationIdBytes()).containsExactly('j', 0xE4);
            assertThat(c.passwordBytes()).containsExactly('p', 0xE4);
            assertThat(c.toString()).doesNotContain("p\u00e4");
        });
        assertThat(Sasl.encodePlain(null, new byte[] {'j', (byte) 0xE4}, new byte[] {'p', (byte) 0xE4}))
                .isEqualTo(Base64.getEncoder().encodeToString(message));
    }

    @Test
    void aNulInsideThePasswordIsNoValidPlainMessage() {
        assertThat(Sasl.decodePlain(Base64.getEncoder().encodeToString(new byte[] {0, 'b', 0, 'p', 0, 'w'}))).isEmpty();
    }

    @Test
    void clientTextIsUtf8WhenValidElseLatin1() {
        assertThat(ClientInput.text("j\u00e4".getBytes(StandardCharsets.UTF_8))).isEqualTo("j\u00e4");
        assertThat(ClientInput.text(new byte[] {'j', (byte) 0xE4})).isEqualTo("j\u00e4");
        assertThat(ClientInput.text(new byte[] {(byte) 0xC3})).isEqualTo("\u00c3");
        assertThat(ClientInput.hasNul(new byte[] {'a', 0})).isTrue();
        assertThat(ClientInput.hasNul(null)).isFalse();
    }

    @Test
    void ipLiteralsOnlyNeverANameLookup() {
        assertThat(ClientInput.ipLiteral("203.0.113.9")).hasValueSatisfying(a ->
                assertThat(a.getHostAddress()).isEqualTo("203.0.113.9"));
        assertThat(ClientInput.ipLiteral("2001:db8::1")).isPresent();
        assertThat(ClientInput.ipLiteral("[2001:db8::1]")).isPresent();
        assertThat(ClientInput.ipLiteral("IPV6:2001:db8::1")).isPresent();
        for (String bad : new String[] {"", "localhost", "example.org", "10.1", "1.2.3.4.5", "[]", "1.2.3.4 ", ":x"}) {
            assertThat(ClientInput.ipLiteral(bad)).as(bad).isEmpty();
        }
    }
}
