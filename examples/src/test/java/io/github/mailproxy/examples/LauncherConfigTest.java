package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthStrategy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LauncherConfigTest {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static Properties valid(String... more) {
        Properties p = props("imap.listen", "127.0.0.1:1143", "pop3.listen", "127.0.0.1:1110",
                "passdb", "static", "passdb.static", "proxy=y host=127.0.0.1 port=10143 nopassword=y");
        p.putAll(props(more));
        return p;
    }

    @Test
    void validFileGivesBothListenersAndForwarding(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mailproxy.properties");
        Files.writeString(file, """
                # a comment
                imap.listen = 127.0.0.1:1143
                pop3.listen = 127.0.0.1:1110
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=10143 nopassword=y
                auth = forward
                auth.cache.size = 4096
                """);

        LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(file));

        assertThat(config.listeners()).containsOnlyKeys(ConfigKey.IMAP_LISTEN, ConfigKey.POP3_LISTEN);
        assertThat(config.listeners().get(ConfigKey.IMAP_LISTEN).address())
                .isEqualTo(new InetSocketAddress("127.0.0.1", 1143));
        assertThat(config.listeners().get(ConfigKey.IMAP_LISTEN).protocol().name()).isEqualTo("imap");
        assertThat(config.listeners().get(ConfigKey.POP3_LISTEN).protocol().name()).isEqualTo("pop3");
        assertThat(config.authStrategy()).isSameAs(AuthStrategy.passwordForwarding());
        assertThat(config.authCache().maximumSize()).isEqualTo(4096);
        assertThat(config.newServer()).isNotNull();
    }

    @Test
    void authDefaultsToForwardingAndNoCache() {
        LauncherConfig config = LauncherConfig.parse(valid());

        assertThat(config.authStrategy()).isSameAs(AuthStrategy.passwordForwarding());
        assertThat(config.authCache()).isNull();
    }

    @Test
    void onlyImapListenerWhenPop3IsAbsent() {
        Properties p = valid();
        p.remove("pop3.listen");

        assertThat(LauncherConfig.parse(p).listeners()).containsOnlyKeys(ConfigKey.IMAP_LISTEN);
    }

    @Test
    void ipv6InBracketsAndEphemeralPortAreAccepted() {
        LauncherConfig config = LauncherConfig.parse(valid("imap.listen", "[::1]:0"));

        assertThat(config.listeners().get(ConfigKey.IMAP_LISTEN).address().getPort()).isZero();
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> LauncherConfig.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + missing + ": not found");
    }

    @Test
    void unknownKeyIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.lisen", "127.0.0.1:143")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("imap.lisen: unknown key (java -jar mailproxy.jar --help lists the keys)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"passdb.jdbc.url", "passdb.passwd-file", "auth.master.user", "tls.keystore"})
    void plannedKeyIsNotSupportedYet(String key) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid(key, "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(key + ": not supported yet");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1143", "127.0.0.1", "127.0.0.1:", ":1143", "127.0.0.1:abc", "127.0.0.1:65536",
        "127.0.0.1:-1", "::1:1143", "127.0.0.1:1143 # comment"})
    void badListenAddressIsNamed(String value) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.listen", value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("imap.listen: ")
                .hasMessageContaining("'");
    }

    @Test
    void badListenAddressMessageSaysWhatIsExpected() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("pop3.listen", "localhost")))
                .hasMessage("pop3.listen: expected host:port (e.g. 127.0.0.1:1143), got 'localhost'");
        assertThatThrownBy(() -> LauncherConfig.parse(valid("pop3.listen", "127.0.0.1:99999")))
                .hasMessage("pop3.listen: port must be a number from 0 to 65535, got '99999'");
    }

    @Test
    void trailingCommentIsExplained() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.listen", "0.0.0.0:143  # IMAP")))
                .hasMessage("imap.listen: a # comment must be on a line of its own, got '0.0.0.0:143  # IMAP'");
    }

    @Test
    void unknownHostIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.listen", "no-such-host.invalid:1143")))
                .hasMessage("imap.listen: unknown host 'no-such-host.invalid'");
    }

    @Test
    void emptyValueIsAnError() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.listen", "  ")))
                .hasMessage("imap.listen: empty value; expected host:port (or leave the key out)");
    }

    @Test
    void twoListenersOnOneAddressAreRefused() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("pop3.listen", "127.0.0.1:1143")))
                .hasMessage("pop3.listen: 127.0.0.1:1143 is already used by imap.listen");
    }

    @Test
    void noListenerIsAnError() {
        Properties p = valid();
        p.remove("imap.listen");
        p.remove("pop3.listen");

        assertThatThrownBy(() -> LauncherConfig.parse(p))
                .hasMessage("imap.listen, pop3.listen: no listener configured; set at least one");
    }

    @Test
    void missingPassdbIsNamed() {
        Properties p = valid();
        p.remove("passdb");

        assertThatThrownBy(() -> LauncherConfig.parse(p)).hasMessage("passdb: missing; set passdb = static");
    }

    @Test
    void missingPassdbStaticIsNamed() {
        Properties p = valid();
        p.remove("passdb.static");

        assertThatThrownBy(() -> LauncherConfig.parse(p))
                .isInstanceOf(ConfigException.class)
                .hasMessage("passdb.static: missing; needed by passdb = static");
    }

    @Test
    void staticArgsWithoutHostAreRefused() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb.static", "proxy=y nopassword=y")))
                .hasMessage("passdb.static: needs host=... (the backend server)");
    }

    @Test
    void staticArgsWithBadPortAreRefused() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb.static", "proxy=y host=10.0.0.2 port=imap")))
                .hasMessage("passdb.static: port must be a number from 1 to 65535, got 'imap'");
    }

    @Test
    void staticArgsWithEmptyFieldNameAreRefused() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb.static", "proxy=y host=10.0.0.2 =x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("passdb.static: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc", "passwd-file"})
    void laterPassdbKindsAreNotSupportedYet(String kind) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", kind)))
                .hasMessage("passdb = " + kind + " is not supported yet");
    }

    @Test
    void unknownPassdbKindIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "ldap")))
                .hasMessage("passdb: unknown value 'ldap'; expected static");
    }

    @Test
    void authMasterIsNotSupportedYet() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth", "master")))
                .hasMessage("auth = master is not supported yet");
    }

    @Test
    void unknownAuthIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth", "trust")))
                .hasMessage("auth: unknown value 'trust'; expected forward");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "lots", "1e3"})
    void badCacheSizeIsNamed(String value) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth.cache.size", value)))
                .hasMessage("auth.cache.size: expected a positive whole number, got '" + value + "'");
    }
}
