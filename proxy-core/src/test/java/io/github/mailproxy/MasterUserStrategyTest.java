package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MasterUserStrategyTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 50000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 143);
    private static final AuthStrategy SEPARATOR = AuthStrategy.masterUser(MasterLogin.of("proxy", "secret"));

    private static AuthRequest login(String user, String password) {
        return new AuthRequest("imap", user, password, "PLAIN", CLIENT, LOCAL, true, "s1");
    }

    private static AuthDecision decide(AuthStrategy strategy, AuthRequest request, Map<String, String> fields) {
        return strategy.decide(request, PassDbResult.found(fields)).toCompletableFuture().join();
    }

    @Test
    void checksThePasswordThenLogsInAsDestuserStarMaster() {
        Map<String, String> row = Map.of("password", "{SHA256}XohImNooBHFR0OVvjcYpJ3NgPQ1qq73WKhHvch0VQtg=",
                "proxy", "y", "host", "10.0.0.1", "destuser", "alice@store");
        AuthDecision ok = decide(SEPARATOR, login("alice", "password"), row);
        assertThat(ok).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().user()).isEqualTo("alice@store*proxy");
            assertThat(p.credentials().masterUser()).isNull();
            assertThat(p.credentials().password()).isEqualTo("secret");
            assertThat(p.credentials().mechanism()).isEqualTo(BackendCredentials.Mechanism.LOGIN);
        });
        assertThat(decide(SEPARATOR, login("alice", "nope"), row))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
    }

    @Test
    void authzidStyleUsesSaslPlainAndAPassDbFieldOverridesTheStyle() {
        AuthStrategy authzid = AuthStrategy.masterUser(MasterLogin.of("proxy", "secret").style(MasterLogin.Style.AUTHZID));
        Map<String, String> row = Map.of("password", "{PLAIN}pw", "proxy", "y", "host", "h");
        assertThat(decide(authzid, login("bob", "pw"), row)).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().user()).isEqualTo("bob");
            assertThat(p.credentials().masterUser()).isEqualTo("proxy");
            assertThat(p.credentials().mechanism()).isEqualTo(BackendCredentials.Mechanism.PLAIN);
        });
        Map<String, String> override = Map.of("password", "{PLAIN}pw", "proxy", "y", "host", "h", "master_style", "separator");
        assertThat(decide(authzid, login("bob", "pw"), override)).isInstanceOfSatisfying(AuthDecision.Proxy.class,
                p -> assertThat(p.credentials().user()).isEqualTo("bob*proxy"));
    }

    @Test
    void masterAndPassFieldsOfThePassDbWinAndTheSeparatorIsConfigurable() {
        AuthStrategy strategy = AuthStrategy.masterUser(MasterLogin.fromPassDb().separator("%"));
        Map<String, String> row = Map.of("password", "{PLAIN}pw", "proxy", "y", "host", "h",
                "master", "admin", "pass", "adminpw");
        assertThat(decide(strategy, login("carol", "pw"), row)).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().user()).isEqualTo("carol%admin");
            assertThat(p.credentials().password()).isEqualTo("adminpw");
        });
        assertThat(decide(strategy, login("carol", "pw"), Map.of("password", "{PLAIN}pw", "proxy", "y", "host", "h")))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
    }

    @Test
    void verifiedMechanismsSkipThePasswordAndUnverifiedOnesAreRefused() {
        Map<String, String> row = Map.of("password", "{PLAIN}pw", "proxy", "y", "host", "h");
        AuthRequest cram = new AuthRequest("imap", "dan", null, "CRAM-MD5", CLIENT, LOCAL, true, "s1");
        assertThat(decide(SEPARATOR, cram, row)).isInstanceOfSatisfying(AuthDecision.Reject.class,
                r -> assertThat(r.failure()).isEqualTo(AuthDecision.Failure.MECHANISM_NOT_SUPPORTED));
        assertThat(decide(SEPARATOR, cram.verified(), row)).isInstanceOf(AuthDecision.Proxy.class);
    }

    @Test
    void unreadableStoredPasswordsAreTemporaryAndMissingOnesFail() {
        assertThat(decide(SEPARATOR, login("e", "pw"), Map.of("password", "{NOSUCH}x", "proxy", "y", "host", "h")))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
        assertThat(decide(SEPARATOR, login("e", "pw"), Map.of("proxy", "y", "host", "h")))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
    }

    @Test
    void expensiveHashesAreCheckedOffTheCallingThread() {
        String stored = "{SHA512-CRYPT}$6$EP678LWNhCRvjtQp$6HTEnPLbnUzr4LYhVHnt3EI8jWdL9JHTfQmwY2AIFYN/XYklJBsh8UdJBqdkPEIZQDF5gvvL3An2yQ9C6NdYG/";
        Thread caller = Thread.currentThread();
        Thread[] ranOn = new Thread[1];
        PasswordScheme spy = new ForwardingScheme(PasswordScheme.dovecot()) {
            @Override
            public Verdict verify(String password, String s) {
                ranOn[0] = Thread.currentThread();
                return super.verify(password, s);
            }
        };
        AuthStrategy strategy = AuthStrategy.masterUser(MasterLogin.of("proxy", "secret").passwordScheme(spy));
        assertThat(decide(strategy, login("f", "sécret pw"), Map.of("password", stored, "proxy", "y", "host", "h")))
                .isInstanceOf(AuthDecision.Proxy.class);
        assertThat(ranOn[0]).isNotNull().isNotSameAs(caller);
    }

    @Test
    void settingsAreCheckedAndHideThePassword() {
        assertThatThrownBy(() -> MasterLogin.of("proxy", "secret").mechanisms("GSSAPI"))
                .hasMessageContaining("GSSAPI");
        assertThat(MasterLogin.of("proxy", "topsecret").toString()).doesNotContain("topsecret");
    }

    /** Delegates every call, so a test can observe one. */
    private static class ForwardingScheme implements PasswordScheme {
        private final PasswordScheme d;

        ForwardingScheme(PasswordScheme d) {
            this.d = d;
        }

        @Override
        public String defaultScheme() {
            return d.defaultScheme();
        }

        @Override
        public Verdict verify(String password, String stored) {
            return d.verify(password, stored);
        }

        @Override
        public java.util.Optional<String> schemeOf(String stored) {
            return d.schemeOf(stored);
        }

        @Override
        public boolean isExpensive(String stored) {
            return d.isExpensive(stored);
        }

        @Override
        public boolean isPlaintext(String stored) {
            return d.isPlaintext(stored);
        }

        @Override
        public java.util.Optional<String> plaintext(String stored) {
            return d.plaintext(stored);
        }

        @Override
        public boolean canVerifyCramMd5(String stored) {
            return d.canVerifyCramMd5(stored);
        }

        @Override
        public Verdict verifyCramMd5(String stored, String challenge, String clientDigestHex) {
            return d.verifyCramMd5(stored, challenge, clientDigestHex);
        }
    }
    @Test
    void theClientsUserNameBytesReachTheBackendInEitherStyle() {
        byte[] latin1 = {'j', (byte) 0xE4};
        AuthRequest request = login("j\u00e4", "pw").withClientBytes(latin1, "pw".getBytes()).verified();
        Map<String, String> row = Map.of("proxy", "y", "host", "10.0.0.1");
        assertThat(decide(SEPARATOR, request, row)).isInstanceOfSatisfying(AuthDecision.Proxy.class, p ->
                assertThat(p.credentials().userBytes()).containsExactly('j', 0xE4, '*', 'p', 'r', 'o', 'x', 'y'));
        AuthStrategy authzid = AuthStrategy.masterUser(MasterLogin.of("proxy", "secret").style(MasterLogin.Style.AUTHZID));
        assertThat(decide(authzid, request, row)).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().userBytes()).containsExactly('j', 0xE4);
            assertThat(p.credentials().passwordBytes()).containsExactly('s', 'e', 'c', 'r', 'e', 't');
        });
    }
}
