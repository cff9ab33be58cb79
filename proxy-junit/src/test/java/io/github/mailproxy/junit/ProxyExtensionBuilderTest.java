package io.github.mailproxy.junit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.StaticPassDb;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder refuses what cannot work, naming the option, as {@code ProxyServer.Builder} does. */
class ProxyExtensionBuilderTest {

    @Test
    void noProtocolIsRefused() {
        assertThatThrownBy(() -> ProxyExtension.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("listen: no protocol");
    }

    @Test
    void aPassDbAndFixedBackendsTogetherAreRefused() {
        assertThatThrownBy(() -> ProxyExtension.builder()
                .imapBackend("127.0.0.1", 3143).passDb(StaticPassDb.parse("proxy=y")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    }

    @Test
    void listenersWithoutAPassDbAreRefused() {
        assertThatThrownBy(() -> ProxyExtension.builder().pop3().build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("passDb:");
    }

    @Test
    void aBadPortIsRefusedAtOnce() {
        assertThatThrownBy(() -> ProxyExtension.forBackend("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65535");
        assertThatThrownBy(() -> ProxyExtension.builder().pop3Backend("127.0.0.1", 70000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBlankHostIsRefused() {
        assertThatThrownBy(() -> ProxyExtension.builder().imapBackend(" ", 143))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host");
    }

    @Test
    void eachOptionMayBeSetOnce() {
        assertThatThrownBy(() -> ProxyExtension.builder().imapBackend("a", 1).imapBackend("b", 2))
                .isInstanceOf(IllegalStateException.class).hasMessage("imapBackend was already set");
        assertThatThrownBy(() -> ProxyExtension.builder().customize(b -> { }).customize(b -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessage("customize was already set");
        assertThatThrownBy(() -> ProxyExtension.builder().perClass().perMethod())
                .isInstanceOf(IllegalStateException.class).hasMessage("lifecycle was already set: PER_CLASS");
    }

    @Test
    void aNegativeLeakCheckTimeoutIsRefused() {
        assertThatThrownBy(() -> ProxyExtension.builder().leakCheckTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("leakCheckTimeout");
    }
}
