package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordForwardingTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 50000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 143);

    private static AuthRequest login(String user, String password) {
        return new AuthRequest("imap", user, password, "LOGIN", CLIENT, LOCAL, false, "s1");
    }

    private static AuthDecision decide(AuthRequest request, PassDbResult result) {
        return AuthStrategy.passwordForwarding().decide(request, result).toCompletableFuture().join();
    }

    @Test
    void theSeedRowProxiesWithTheClientsPassword() {
        Map<String, String> row = new java.util.HashMap<>();
        row.put("password", null);
        row.put("host", "10.1.2.3");
        row.put("destuser", "");
        row.put("proxy", "Y");
        AuthDecision d = decide(login("alice", "secret"), PassDbResult.found(row));
        assertThat(d).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.target().hosts()).containsExactly("10.1.2.3");
            assertThat(p.target().port()).isZero();
            assertThat(p.credentials().user()).isEqualTo("alice");
            assertThat(p.credentials().password()).isEqualTo("secret");
            assertThat(p.credentials().masterUser()).isNull();
            assertThat(p.credentials().toString()).doesNotContain("secret");
        });
    }

    @Test
    void destuserPortTimeoutAndSeveralHosts() {
        AuthDecision d = decide(login("alice", "pw"), PassDbResult.found(Map.of(
                "proxy", "y", "nopassword", "y", "host", "10.0.0.1, 10.0.0.2", "port", "10143",
                "destuser", "alice@backend", "proxy_timeout", "7")));
        assertThat(d).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.target().hosts()).containsExactly("10.0.0.1", "10.0.0.2");
            assertThat(p.target().port()).isEqualTo(10143);
            assertThat(p.target().connectTimeout()).isEqualTo(Duration.ofSeconds(7));
            assertThat(p.credentials().user()).isEqualTo("alice@backend");
        });
    }

    @Test
    void aStoredPasswordIsCheckedFirst() {
        PassDbResult row = PassDbResult.found(Map.of("proxy", "y", "host", "h", "password", "{PLAIN}right"));
        assertThat(decide(login("a", "right"), row)).isInstanceOf(AuthDecision.Proxy.class);
        assertThat(decide(login("a", "wrong"), row)).isEqualTo(
                new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
    }

    @Test
    void hostWithoutProxyIsAReferral() {
        AuthDecision d = decide(login("a", "pw"), PassDbResult.found(Map.of("host", "imap2.example.org",
                "nologin", "y", "reason", "Moved")));
        assertThat(d).isEqualTo(new AuthDecision.Referral("imap2.example.org", 0, "a", "Moved"));
    }

    @Test
    void unknownUsersAndTemporaryFailures() {
        assertThat(decide(login("a", "pw"), PassDbResult.notFound()))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
        assertThat(decide(login("a", "pw"), PassDbResult.temporaryFailure("db down")))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
        assertThat(decide(login("a", "pw"), PassDbResult.found(Map.of("proxy", "y"))))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
        assertThat(decide(login("a", "pw"), PassDbResult.found(Map.of("proxy", "y", "host", "h", "port", "x"))))
                .isEqualTo(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
    }

    @Test
    void nonPlaintextMechanismsCannotBeForwarded() {
        AuthRequest cram = new AuthRequest("imap", "a", null, "CRAM-MD5", CLIENT, LOCAL, false, "s1");
        assertThat(decide(cram, PassDbResult.found(Map.of("proxy", "y", "host", "h"))))
                .isInstanceOfSatisfying(AuthDecision.Reject.class, r ->
                        assertThat(r.failure()).isEqualTo(AuthDecision.Failure.MECHANISM_NOT_SUPPORTED));
        assertThat(AuthStrategy.passwordForwarding().mechanisms()).containsExactly("PLAIN", "LOGIN");
    }

    @Test
    void authRequestToStringHidesThePassword() {
        assertThat(login("a", "hunter2").toString()).doesNotContain("hunter2");
    }

    @Test
    void builderRefusesBadConfiguration() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxyServer.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("listen");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxyServer.builder().maxLineLength(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLineLength");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxyServer.builder()
                        .passDb(StaticPassDb.parse("proxy")).passDb(StaticPassDb.parse("proxy")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("passDb");
    }
    private static final byte[] LATIN1_USER = {'j', (byte) 0xE4};
    private static final byte[] LATIN1_PASSWORD = {'p', (byte) 0xE4};

    @Test
    void theClientsBytesAreForwardedUnchanged() {
        AuthRequest request = login("j\u00e4", "p\u00e4").withClientBytes(LATIN1_USER, LATIN1_PASSWORD);
        AuthDecision d = decide(request, PassDbResult.found(Map.of("proxy", "y", "nopassword", "y", "host", "h")));
        assertThat(d).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().userBytes()).isEqualTo(LATIN1_USER);
            assertThat(p.credentials().passwordBytes()).isEqualTo(LATIN1_PASSWORD);
        });
    }

    @Test
    void aDestuserIsSentAsUtf8AndThePasswordStillAsTheClientSentIt() {
        AuthRequest request = login("j\u00e4", "p\u00e4").withClientBytes(LATIN1_USER, LATIN1_PASSWORD);
        AuthDecision d = decide(request, PassDbResult.found(Map.of("proxy", "y", "nopassword", "y", "host", "h",
                "destuser", "j\u00f6rg@backend")));
        assertThat(d).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
            assertThat(p.credentials().userBytes())
                    .isEqualTo("j\u00f6rg@backend".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(p.credentials().passwordBytes()).isEqualTo(LATIN1_PASSWORD);
        });
    }

    @Test
    void theClientsAddressIsForwardedUnlessThePassDbSaysProxyNotTrusted() {
        AuthDecision plain = decide(login("a", "pw"), PassDbResult.found(Map.of("proxy", "y", "nopassword", "y", "host", "h")));
        assertThat(plain).isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> assertThat(p.target().forwardClient()).isTrue());
        AuthDecision notTrusted = decide(login("a", "pw"), PassDbResult.found(Map.of("proxy", "y", "nopassword", "y",
                "host", "h", PassDbResult.PROXY_NOT_TRUSTED, "")));
        assertThat(notTrusted).isInstanceOfSatisfying(AuthDecision.Proxy.class,
                p -> assertThat(p.target().forwardClient()).isFalse());
    }

    @Test
    void requestAndCredentialBytesAreCopiesAndNeverShown() {
        byte[] password = LATIN1_PASSWORD.clone();
        AuthRequest request = login("j\u00e4", "p\u00e4").withClientBytes(LATIN1_USER, password);
        password[0] = 'X';
        assertThat(request.passwordBytes()).isEqualTo(LATIN1_PASSWORD);
        request.passwordBytes()[0] = 'Y';
        assertThat(request.passwordBytes()).isEqualTo(LATIN1_PASSWORD);
        assertThat(request.toString()).doesNotContain("p\u00e4").doesNotContain("[B@");
        assertThat(request).isNotEqualTo(login("j\u00e4", "p\u00e4"))  // same text, other bytes
                .isEqualTo(login("j\u00e4", "p\u00e4").withClientBytes(LATIN1_USER, LATIN1_PASSWORD));
        assertThat(request.hashCode())
                .isEqualTo(login("j\u00e4", "other").withClientBytes(LATIN1_USER, new byte[] {1}).hashCode());
        BackendCredentials credentials = BackendCredentials.forwarding("j\u00e4", LATIN1_USER, "p\u00e4", LATIN1_PASSWORD);
        assertThat(credentials.toString()).doesNotContain("p\u00e4").doesNotContain("[B@");
        assertThat(credentials).isEqualTo(BackendCredentials.forwarding("j\u00e4", LATIN1_USER, "p\u00e4", LATIN1_PASSWORD))
                .isNotEqualTo(BackendCredentials.forwarding("j\u00e4", "p\u00e4"));
        assertThat(BackendCredentials.forwarding("j\u00e4", "p\u00e4").passwordBytes())
                .isEqualTo("p\u00e4".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
