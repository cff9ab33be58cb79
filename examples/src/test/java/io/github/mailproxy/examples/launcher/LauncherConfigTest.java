package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.github.mailproxy.examples.TestKeystore;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PlaintextAuth;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** A valid file plus {@code more}; a {@code null} value removes the key. */
    private static Properties valid(String... more) {
        Properties p = props("imap.listen", "127.0.0.1:1143", "pop3.listen", "127.0.0.1:1110",
                "passdb", "static", "passdb.static", "proxy=y host=127.0.0.1 port=10143 nopassword=y");
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) {
                p.remove(more[i]);
            } else {
                p.setProperty(more[i], more[i + 1]);
            }
        }
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

    @Test
    void unknownKeyInAFileIsNamedWithItsLine(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("m.properties"), "# listeners\n\nimap.listen = 127.0.0.1:1143\n"
                + "pop3.lisen = 127.0.0.1:1110\n");

        assertThatThrownBy(() -> LauncherConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + file + " line 4: pop3.lisen: unknown key"
                        + " (java -jar mailproxy.jar --help lists the keys)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hunter2", "  hunter2  ", "my hunter2 passphrase", "hunter2\\\n  continued",
        "h\\u0075nter2"})
    void aStrayLineIsReportedByItsNumberNotItsText(String stray, @TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("m.properties"), "imap.listen = 127.0.0.1:1143\\\n  \n"
                + "# auth.master.password = \\\n" + stray + "\npassdb = static\n");

        assertThatThrownBy(() -> LauncherConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + file + " line 4: not a 'key = value' line (not shown: it may be a secret)")
                .hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hunter2==", "hunter2 = x", "hunter2:x", "Hunter2.x = y", "imap.hunter2! = x", "hunter2.imap = x"})
    void anUnknownKeyThatMayBeASecretIsNotShown(String line, @TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("m.properties"), "passdb = static\n" + line + "\n");

        assertThatThrownBy(() -> LauncherConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + file + " line 2: unknown key (not shown: it may be a secret)"
                        + " (java -jar mailproxy.jar --help lists the keys)");
    }

    @Test
    void anUnknownKeyThatMayBeASecretIsNotShownFromPropertiesEither() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("hunter2", "")))
                .hasMessage("unknown key (not shown: it may be a secret) (java -jar mailproxy.jar --help lists the keys)");
    }

    @Test
    void colonAndEscapesAndContinuationsAreReadAsPropertiesReadsThem(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("m.properties"), "\uFEFFimap.listen: 127.0.0.1:1143\n"
                + "passdb=static\n! a comment\npassdb.static = proxy=y \\\n    host=127.0.0.1 port=10143\n");

        Properties p = LauncherConfig.load(file);

        assertThat(p).containsOnly(java.util.Map.entry("imap.listen", "127.0.0.1:1143"), java.util.Map.entry("passdb", "static"),
                java.util.Map.entry("passdb.static", "proxy=y host=127.0.0.1 port=10143"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"passdb.jdbc.url", "passdb.passwd-file", "passdb.dovecot-sql-conf"})
    void passdbKeyOfAnotherKindIsRefused(String key) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid(key, "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(key + ": only used with passdb = ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth.master.user", "auth.master.style", "auth.mechanisms"})
    void masterKeyWithForwardingIsRefused(String key) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid(key, "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(key + ": only used with auth = master");
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

        assertThatThrownBy(() -> LauncherConfig.parse(p))
                .hasMessage("passdb: missing; set passdb = static, passwd-file, jdbc, ldap or http");
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
    void staticArgsWithEmptyFieldNameAreRefusedWithoutTheValue() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb.static", "proxy=y host=10.0.0.2 =hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("passdb.static: field 3 has an empty name (its value is not shown: it may be a secret)");
    }

    @Test
    void jdbcWithoutUrlIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null)))
                .hasMessage("passdb.jdbc.url: missing; passdb = jdbc needs passdb.jdbc.url and passdb.jdbc.query, "
                        + "or passdb.dovecot-sql-conf");
    }

    @Test
    void passwdFileWithoutFileIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "passwd-file", "passdb.static", null)))
                .hasMessage("passdb.passwd-file: missing; needed by passdb = passwd-file");
    }

    @Test
    void unknownPassdbKindIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "nis")))
                .hasMessage("passdb: unknown value 'nis'; expected static, passwd-file, jdbc, ldap, http");
    }

    @Test
    void ldapNeedsItsConfFileAndTheFileKeyNeedsLdap() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "ldap", "passdb.static", null)))
                .hasMessage("passdb.dovecot-ldap-conf: missing; needed by passdb = ldap");
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb.dovecot-ldap-conf", "/etc/hosts")))
                .hasMessageContaining("passdb.dovecot-ldap-conf").hasMessageContaining("passdb = ldap");
    }

    @Test
    void authMasterTakesItsCredentialsStyleAndMechanisms() {
        LauncherConfig config = LauncherConfig.parse(valid("auth", "master", "auth.master.user", "proxy",
                "auth.master.password", "master-secret", "auth.master.style", "authzid",
                "auth.mechanisms", "PLAIN LOGIN CRAM-MD5"));

        assertThat(config.authStrategy().mechanisms()).containsExactlyInAnyOrder("PLAIN", "LOGIN", "CRAM-MD5");
        assertThat(config.authStrategy().toString()).doesNotContain("master-secret");
    }

    @Test
    void masterUserWithoutPasswordIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth", "master", "auth.master.user", "proxy")))
                .hasMessage("auth.master.password: missing; needed with auth.master.user");
    }

    @Test
    void unknownMechanismIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth", "master", "auth.mechanisms", "PLAIN GSSAPI")))
                .hasMessageStartingWith("auth.mechanisms: ")
                .hasMessageContaining("GSSAPI");
    }

    @Test
    void unknownAuthIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth", "trust")))
                .hasMessage("auth: unknown value 'trust'; expected forward, master");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "lots", "1e3"})
    void badCacheSizeIsNamed(String value) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth.cache.size", value)))
                .hasMessage("auth.cache.size: expected a positive whole number, got '" + value + "'");
    }

    @Test
    void limitsAndTimeoutsAreRead() {
        LauncherConfig config = LauncherConfig.parse(valid("login.timeout", "45s", "idle.timeout", "500ms",
                "backend.timeout", "40s", "auth.failure-delay", "0", "max.connections", "500",
                "max.connections.per-ip", "20", "max.logins.per-ip", "60", "plaintext.auth", "tls-only",
                "backend.trusted", "true", "tls.protocols", "TLSv1.3"));

        assertThat(config.options()).containsExactly(entry(ConfigKey.TLS_PROTOCOLS, List.of("TLSv1.3")),
                entry(ConfigKey.AUTH_FAILURE_DELAY, Duration.ZERO), entry(ConfigKey.LOGIN_TIMEOUT, Duration.ofSeconds(45)),
                entry(ConfigKey.IDLE_TIMEOUT, Duration.ofMillis(500)), entry(ConfigKey.BACKEND_TIMEOUT, Duration.ofSeconds(40)),
                entry(ConfigKey.BACKEND_TRUSTED, true), entry(ConfigKey.MAX_CONNECTIONS, 500),
                entry(ConfigKey.MAX_CONNECTIONS_PER_IP, 20), entry(ConfigKey.MAX_LOGINS_PER_IP, 60),
                entry(ConfigKey.PLAINTEXT_AUTH, PlaintextAuth.TLS_ONLY));
        assertThat(config.option(ConfigKey.LOGIN_TIMEOUT)).hasValue(Duration.ofSeconds(45));
        assertThat(config.newServer()).isNotNull();
    }

    @Test
    void aRuleOfTheServerIsReportedWithTheLauncherKeys() {
        LauncherConfig config = LauncherConfig.parse(valid("login.timeout", "10s", "idle.timeout", "20s"));

        assertThatThrownBy(config::newServer)
                .isInstanceOf(ConfigException.class)
                .hasMessage("idle.timeout: PT20S is longer than login.timeout (PT10S), which closes the session first; "
                        + "set it to login.timeout or less");
    }

    @Test
    void everyKeyThatSetsABuilderOptionIsAppliedByTheTable() {
        assertThat(ConfigKey.values()).filteredOn(k -> k.option().isPresent()).extracting(ConfigKey::key)
                .containsExactly("haproxy.trusted-networks", "haproxy.timeout", "backend.haproxy",
                        "tls.protocols", "tls.provider", "auth.failure-delay", "auth.proxy-self", "login.timeout",
                        "idle.timeout",
                        "backend.timeout", "backend.trusted", "max.connections", "max.connections.per-ip",
                        "max.logins.per-ip", "login.trusted-networks", "plaintext.auth");
    }

    @Test
    void defaultsInTheHelpAreTheBuildersDefaults() {
        assertThat(ConfigKey.LOGIN_TIMEOUT.defaultValue()).isEqualTo("60s");
        assertThat(ConfigKey.IDLE_TIMEOUT.defaultValue()).isEqualTo("30s");
        assertThat(ConfigKey.BACKEND_TIMEOUT.defaultValue()).isEqualTo("30s");
        assertThat(ConfigKey.AUTH_FAILURE_DELAY.defaultValue()).isEqualTo("2s");
        assertThat(ConfigKey.MAX_CONNECTIONS.defaultValue()).isEqualTo("100000");
        assertThat(ConfigKey.MAX_CONNECTIONS_PER_IP.defaultValue()).isEqualTo("1000");
        assertThat(ConfigKey.TLS_PROTOCOLS.defaultValue()).isEqualTo("TLSv1.3,TLSv1.2");
        assertThat(ConfigKey.PLAINTEXT_AUTH.defaultValue()).isEqualTo("tls-or-loopback");
        assertThat(ConfigKey.BACKEND_TRUSTED.defaultValue()).isEqualTo("true");
    }

    @Test
    void haproxyKeysMakeProxyProtocolListenersAndSetTheServer() {
        LauncherConfig config = LauncherConfig.parse(valid("imap.haproxy", "yes", "haproxy.trusted-networks",
                "10.0.0.10, 10.0.0.11", "haproxy.timeout", "5s", "backend.haproxy", "yes"));

        assertThat(config.listeners().get(ConfigKey.IMAP_LISTEN).haproxy()).isTrue();
        assertThat(config.listeners().get(ConfigKey.POP3_LISTEN).haproxy()).isFalse();
        assertThat(config.option(ConfigKey.HAPROXY_TRUSTED_NETWORKS)).hasValue(List.of("10.0.0.10", "10.0.0.11"));
        assertThat(config.option(ConfigKey.HAPROXY_TIMEOUT)).hasValue(Duration.ofSeconds(5));
        assertThat(config.option(ConfigKey.BACKEND_HAPROXY)).hasValue(true);
        assertThat(config.newServer()).isNotNull();
        assertThat(ConfigKey.HAPROXY_TIMEOUT.defaultValue()).isEqualTo("3s");
        assertThat(ConfigKey.BACKEND_HAPROXY.defaultValue()).isEqualTo("no");
        assertThat(Launcher.help()).contains("imap.haproxy").contains("haproxy.trusted-networks").contains("backend.haproxy");
    }

    @Test
    void theHaproxyExampleConfigsUseOnlyKnownKeys() {
        for (String node : List.of("node1", "node2")) {
            Properties p = LauncherConfig.load(Path.of("haproxy", node + ".properties"));
            assertThat(p.getProperty("imap.haproxy")).isEqualTo("yes");
            assertThat(p.getProperty("backend.haproxy")).isEqualTo("yes");
        }
    }

    @Test
    void aHaproxyListenerWithoutTrustedBalancersOrWithoutAListenerIsRefused() {
        LauncherConfig config = LauncherConfig.parse(valid("pop3.haproxy", "yes"));
        assertThatThrownBy(config::newServer).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("haproxy.trusted-networks: ");
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.listen", null, "imap.haproxy", "yes")))
                .isInstanceOf(ConfigException.class).hasMessage("imap.haproxy: set, but imap.listen is not");
        assertThatThrownBy(() -> LauncherConfig.parse(valid("haproxy.trusted-networks", "10.0.0.0/33")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("haproxy.trusted-networks: ");
    }

    @Test
    void loginTrustedNetworksAreAListOfAddressesAndNetworksSeparatedByCommasOrSpaces() {
        LauncherConfig config = LauncherConfig.parse(valid("login.trusted-networks",
                "10.0.0.0/8 192.168.1.5, 2001:db8::/48,::1"));

        assertThat(config.option(ConfigKey.LOGIN_TRUSTED_NETWORKS))
                .hasValue(List.of("10.0.0.0/8", "192.168.1.5", "2001:db8::/48", "::1"));
        assertThat(config.newServer()).isNotNull();
    }

    @Test
    void authProxySelfIsAListOfAddressesLikeDovecotsAuthProxySelf() {
        LauncherConfig config = LauncherConfig.parse(valid("auth.proxy-self", "10.0.0.5 192.0.2.0/24"));

        assertThat(config.option(ConfigKey.AUTH_PROXY_SELF)).hasValue(List.of("10.0.0.5", "192.0.2.0/24"));
        assertThat(config.newServer()).isNotNull();
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth.proxy-self", "imap.example.org")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("auth.proxy-self: not an IP address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mail.example.org", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/8 nonsense"})
    void aBadTrustedNetworkIsNamedWithItsKey(String value) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("login.trusted-networks", value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("login.trusted-networks: ");
    }

    @Test
    void theLoginRateCapIsOffUnlessSet() {
        assertThat(ConfigKey.MAX_LOGINS_PER_IP.defaultValue()).isEqualTo("off");
        assertThat(LauncherConfig.parse(valid()).option(ConfigKey.MAX_LOGINS_PER_IP)).isEmpty();
        assertThat(Launcher.help()).contains("login.trusted-networks").contains("max.logins.per-ip");
    }

    @Test
    void absentLimitsLeaveTheDefaults() {
        assertThat(LauncherConfig.parse(valid()).options()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "5 s", "-1s", "1d", "0"})
    void badDurationIsNamed(String value) {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("login.timeout", value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("login.timeout: ")
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void badPlaintextAuthIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("plaintext.auth", "never")))
                .hasMessage("plaintext.auth: unknown value 'never'; expected always, tls-or-loopback, tls-only");
    }

    @Test
    void badBooleanIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("backend.trusted", "maybe")))
                .hasMessage("backend.trusted: unknown value 'maybe'; expected true, false, yes, no");
    }

    @Test
    void cacheTtlIsRead() {
        LauncherConfig config = LauncherConfig.parse(valid("auth.cache.size", "10", "auth.cache.ttl", "5m"));

        assertThat(config.authCache().expireAfterWrite()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.authCache().negativeExpireAfterWrite()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void cacheTtlWithoutSizeIsRefused() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("auth.cache.ttl", "5m")))
                .hasMessage("auth.cache.ttl: only used with auth.cache.size");
    }

    @Test
    void tlsListenerWithoutKeystoreIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.tls", "implicit")))
                .hasMessage("imap.tls = implicit needs tls.keystore (a PKCS12 file with the server's key and "
                        + "certificate)");
    }

    @Test
    void missingKeystoreIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.p12");

        assertThatThrownBy(() -> LauncherConfig.parse(valid("imap.tls", "starttls", "tls.keystore", missing.toString())))
                .hasMessage("tls.keystore: file not found: " + missing);
    }

    @Test
    void wrongKeystorePasswordIsNamedWithoutEchoingIt(@TempDir Path dir) throws IOException {
        Path keystore = TestKeystore.copyTo(dir);

        assertThatThrownBy(() -> LauncherConfig.parse(valid("pop3.tls", "implicit", "tls.keystore", keystore.toString(),
                "tls.keystore.password", "not-the-password")))
                .hasMessageStartingWith("tls.keystore.password: wrong password")
                .hasMessageNotContaining("not-the-password");
    }

    @Test
    void keystoreWithoutTlsListenerIsRefused(@TempDir Path dir) throws IOException {
        Path keystore = TestKeystore.copyTo(dir);

        assertThatThrownBy(() -> LauncherConfig.parse(valid("tls.keystore", keystore.toString())))
                .hasMessage("tls.keystore: only used with imap.tls or pop3.tls = starttls or implicit");
    }

    @Test
    void tlsModeWithoutItsListenerIsRefused() {
        Properties p = valid("pop3.tls", "starttls");
        p.remove("pop3.listen");

        assertThatThrownBy(() -> LauncherConfig.parse(p)).hasMessage("pop3.tls: set, but pop3.listen is not");
    }

    @Test
    void missingPasswdFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("users");

        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "passwd-file", "passdb.static", null,
                "passdb.passwd-file", missing.toString())))
                .hasMessage("passdb.passwd-file: file not found: " + missing);
    }

    @Test
    void jdbcUrlWithoutDriverIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.jdbc.url", "jdbc:nosuchdb://x/y", "passdb.jdbc.query", "SELECT 1")))
                .hasMessageStartingWith("passdb.jdbc.url: no JDBC driver for 'jdbc:nosuchdb://x/y'");
    }

    @Test
    void jdbcUrlPasswordsAreMaskedInErrors() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.jdbc.url", "jdbc:nosuchdb://proxy:hunter2@x/y?password=s3cret", "passdb.jdbc.query", "SELECT 1")))
                .hasMessageStartingWith("passdb.jdbc.url: no JDBC driver for 'jdbc:nosuchdb://proxy:***@x/y?password=***'")
                .hasMessageNotContaining("hunter2").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.jdbc.url", "mariadb://x/y?password=s3cret", "passdb.jdbc.query", "SELECT 1")))
                .hasMessage("passdb.jdbc.url: not a JDBC URL (jdbc:...): 'mariadb://x/y?password=***'");
    }

    @Test
    void jdbcQueryWithUnknownVariableIsNamed() {
        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.jdbc.url", "jdbc:h2:mem:x", "passdb.jdbc.query", "SELECT host FROM proxy WHERE u = '%q'")))
                .hasMessageStartingWith("passdb.jdbc.query: ");
    }

    @Test
    void jdbcKeysAndDovecotSqlConfTogetherAreRefused(@TempDir Path dir) throws IOException {
        Path conf = Files.writeString(dir.resolve("dovecot-sql.conf"), "driver = mysql\n");

        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.dovecot-sql-conf", conf.toString(), "passdb.jdbc.url", "jdbc:h2:mem:x")))
                .hasMessage("passdb.jdbc.url: give either passdb.jdbc.* or passdb.dovecot-sql-conf, not both");
    }

    @Test
    void badDovecotSqlConfIsNamed(@TempDir Path dir) throws IOException {
        Path conf = Files.writeString(dir.resolve("dovecot-sql.conf"), "driver = sqlite\n");

        assertThatThrownBy(() -> LauncherConfig.parse(valid("passdb", "jdbc", "passdb.static", null,
                "passdb.dovecot-sql-conf", conf.toString())))
                .hasMessageStartingWith("passdb.dovecot-sql-conf: ")
                .hasMessageContaining("sqlite");
    }
}
