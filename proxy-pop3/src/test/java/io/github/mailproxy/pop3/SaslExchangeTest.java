package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.spi.Sasl;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SaslExchangeTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainWithInitialResponseCompletesAtOnce() {
        assertThat(SaslExchange.start("PLAIN").begin(b64("\0alice\0pass word")))
                .isEqualTo(new SaslExchange.Credentials("alice", "pass word"));
    }

    @Test
    void plainWithoutInitialResponseSendsEmptyChallenge() {
        SaslExchange plain = SaslExchange.start("PLAIN");
        assertThat(plain.begin(null)).isEqualTo(new SaslExchange.Challenge(""));
        assertThat(plain.respond(b64("alice\0alice\0pw"))).isEqualTo(new SaslExchange.Credentials("alice", "pw"));
    }

    @Test
    void plainRefusesAnotherAuthorizationIdentity() {
        assertThat(SaslExchange.start("PLAIN").begin(b64("bob\0alice\0pw")))
                .isEqualTo(new SaslExchange.Failed("[AUTH] Authentication failed."));
    }

    @Test
    void plainRefusesGarbage() {
        SaslExchange.Failed invalid = new SaslExchange.Failed("Invalid SASL response.");
        assertThat(SaslExchange.start("PLAIN").begin("not base64!")).isEqualTo(invalid);
        assertThat(SaslExchange.start("PLAIN").begin("")).isEqualTo(invalid);
        assertThat(SaslExchange.start("PLAIN").begin(b64("alice\0pw"))).isEqualTo(invalid);
        assertThat(SaslExchange.start("PLAIN").begin(b64("\0ali\r\nce\0pw"))).isEqualTo(invalid);
    }

    @Test
    void loginAsksForUserThenPassword() {
        SaslExchange login = SaslExchange.start("LOGIN");
        assertThat(login.begin(null)).isEqualTo(new SaslExchange.Challenge(Sasl.LOGIN_USER_PROMPT));
        assertThat(login.respond(b64("alice"))).isEqualTo(new SaslExchange.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        assertThat(login.respond(b64("s3cret"))).isEqualTo(new SaslExchange.Credentials("alice", "s3cret"));
    }

    @Test
    void loginInitialResponseIsTheUser() {
        SaslExchange login = SaslExchange.start("LOGIN");
        assertThat(login.begin(b64("alice"))).isEqualTo(new SaslExchange.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        assertThat(login.respond(b64(""))).isEqualTo(new SaslExchange.Credentials("alice", ""));
    }

    @Test
    void loginRefusesEmptyUserAndLineBreaks() {
        SaslExchange.Failed invalid = new SaslExchange.Failed("Invalid SASL response.");
        assertThat(SaslExchange.start("LOGIN").begin("")).isEqualTo(invalid);
        assertThat(SaslExchange.start("LOGIN").begin(b64("a\nb"))).isEqualTo(invalid);
        assertThat(SaslExchange.start("LOGIN").begin("%%%")).isEqualTo(invalid);
    }

    @Test
    void otherMechanismsCannotStart() {
        assertThatThrownBy(() -> SaslExchange.start("CRAM-MD5")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void credentialsHidePassword() {
        assertThat(new SaslExchange.Credentials("alice", "hunter2").toString()).contains("alice").doesNotContain("hunter2");
    }
}
