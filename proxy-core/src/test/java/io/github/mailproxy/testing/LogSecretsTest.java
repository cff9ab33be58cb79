package io.github.mailproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log check itself: it sees lines logged through slf4j, from any thread, and never repeats the password. */
@LogsSecretsOnPurpose
@DisabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = ".+", disabledReason = "the check is off while fuzzing")
class LogSecretsTest {

    private static final Logger LOG = LoggerFactory.getLogger(LogSecretsTest.class);

    @AfterEach
    void forgetWhatThisTestLogged() {
        LogSecrets.drain();
    }

    @Test
    void aPasswordInALogLineIsFoundAndMasked() {
        LogSecrets.drain();
        LOG.warn("login for alice with alicepw refused");
        List<String> found = LogSecrets.drain();
        assertThat(found).singleElement().asString()
                .contains("login for alice with *** refused")
                .doesNotContain("alicepw");
    }

    @Test
    void aPasswordInAStackTraceFromAnotherThreadIsFound() throws InterruptedException {
        LogSecrets.drain();
        String password = TestSecrets.register("pw-" + System.nanoTime());
        Thread t = new Thread(() -> LOG.error("failed", new IllegalStateException("bad password " + password)));
        t.start();
        t.join();
        assertThat(LogSecrets.drain()).anySatisfy(line -> assertThat(line).contains("bad password ***"));
    }

    @Test
    void linesWithoutPasswordsAreNotFindings() {
        LogSecrets.drain();
        LOG.info("session s1: user alice logged in");
        System.out.println("plain output");
        assertThat(LogSecrets.drain()).isEmpty();
    }

    @Test
    void tooShortPasswordsAreRefused() {
        assertThatThrownBy(() -> TestSecrets.register("pw")).isInstanceOf(IllegalArgumentException.class);
    }
}
