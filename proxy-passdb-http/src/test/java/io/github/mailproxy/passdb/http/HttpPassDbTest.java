package io.github.mailproxy.passdb.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.passdb.http.NginxAuthServer.Behaviour;
import io.github.mailproxy.passdb.http.NginxAuthServer.User;
import io.github.mailproxy.testing.TestSecrets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HttpPassDb} against an auth server written to nginx's documented protocol. */
class HttpPassDbTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 143);
    private static final String ODD_USER = "j\u00f6 e%41\t@example.org";
    private static final String ODD_PASSWORD = TestSecrets.register("p\u00e4ss %20 w\u00f6rt\u0001!");

    private NginxAuthServer auth;

    @BeforeEach
    void start() throws Exception {
        auth = new NginxAuthServer();
        auth.add("alice", new User(TestSecrets.register("alice-secret"), "10.0.0.1", 143, 110, null, null,
                Behaviour.NORMAL));
        auth.add(ODD_USER, new User(ODD_PASSWORD, "10.0.0.2", 1143, 1110, null, null, Behaviour.NORMAL));
        auth.add("renamed", new User(TestSecrets.register("renamed-secret"), "10.0.0.3", 143, 110,
                "renamed@backend", TestSecrets.register("backend-secret"), Behaviour.NORMAL));
        auth.add("waiter", new User("x", "10.0.0.1", 143, 110, null, null, Behaviour.WAIT_ONE_SECOND));
        auth.add("later", new User("x", "10.0.0.1", 143, 110, null, null, Behaviour.ERROR_CODE_LATER));
        auth.add("locked", new User("x", "10.0.0.1", 143, 110, null, null, Behaviour.ERROR_CODE_DISABLED));
        auth.add("broken", new User("x", "10.0.0.1", 143, 110, null, null, Behaviour.HTTP_500));
        auth.add("hung", new User("x", "10.0.0.1", 143, 110, null, null, Behaviour.HANG));
        auth.add("patient", new User(TestSecrets.register("patient-secret"), "10.0.0.4", 143, 110, null, null,
                Behaviour.WAIT_THEN_OK));
    }

    @AfterEach
    void stop() {
        auth.close();
    }

    @Test
    void sendsNginxsHeadersAndTheExtraOnes() throws Exception {
        HttpPassDb passDb = HttpPassDb.builder(auth.url()).header("X-Auth-Key", "k-123").build();

        assertThat(lookup(passDb, login("pop3", "alice", "alice-secret", "s1")).isFound()).isTrue();

        Map<String, String> sent = auth.requests().get(0);
        assertThat(sent).containsEntry("auth-method", "plain").containsEntry("auth-user", "alice")
                .containsEntry("auth-pass", "alice-secret").containsEntry("auth-protocol", "pop3")
                .containsEntry("auth-login-attempt", "1").containsEntry("client-ip", "192.0.2.7")
                .containsEntry("x-auth-key", "k-123")
                .doesNotContainKeys("client-host", "auth-salt");
    }

    @Test
    void okIsAProxiedUserWhoseAuthServerCheckedThePassword() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(), login("imap", "alice", "alice-secret", "s1"));

        assertThat(result.fields()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "proxy", "y", "nopassword", "y", "host", "10.0.0.1", "port", "143"));
    }

    @Test
    void rewrittenUserAndPasswordBecomeDestuserAndPass() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(),
                login("imap", "renamed", "renamed-secret", "s1"));

        assertThat(result.field("destuser")).contains("renamed@backend");
        assertThat(result.field("pass")).contains("backend-secret");
        assertThat(result.toString()).doesNotContain("backend-secret");
    }

    @Test
    void oddUserNamesAndPasswordsAreEscapedAsNginxDoesAndDecodeToTheSameBytes() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(), login("imap", ODD_USER, ODD_PASSWORD, "s1"));

        assertThat(result.field("host")).as("the server decoded both exactly").contains("10.0.0.2");
        Map<String, String> sent = auth.requests().get(0);
        assertThat(sent.get("auth-user")).isEqualTo("j%C3%B6%20e%2541%09@example.org");
        assertThat(sent.get("auth-pass")).isEqualTo("p%C3%A4ss%20%2520%20w%C3%B6rt%01!");
    }

    @Test
    void aWrongPasswordIsAWrongLogin() throws Exception {
        assertThat(lookup(HttpPassDb.builder(auth.url()).build(), login("imap", "alice", "wrong-one", "s1")).status())
                .isEqualTo(PassDbResult.Status.NOT_FOUND);
    }

    @Test
    void authWaitHoldsTheRefusalBack() throws Exception {
        long start = System.nanoTime();
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(), login("imap", "waiter", "x", "s1"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void authErrorCodeChoosesTheKindOfRefusal() throws Exception {
        HttpPassDb passDb = HttpPassDb.builder(auth.url()).build();

        PassDbResult later = lookup(passDb, login("imap", "later", "x", "s1"));
        assertThat(later.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(later.failureReason()).endsWith("refused for now: UNAVAILABLE");

        PassDbResult locked = lookup(passDb, login("imap", "locked", "x", "s2"));
        assertThat(locked.fields()).containsEntry("nologin", "y")
                .containsEntry("reason", "Account locked, call the help desk").doesNotContainKey("host");
    }

    @Test
    void http500IsATemporaryFailure() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(), login("imap", "broken", "x", "s1"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).contains("answered HTTP 500");
    }

    @Test
    void aHungServerIsATemporaryFailureAfterTheTimeout() throws Exception {
        HttpPassDb passDb = HttpPassDb.builder(auth.url()).timeout(Duration.ofMillis(300)).build();

        PassDbResult result = lookup(passDb, login("imap", "hung", "x", "s1"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).endsWith("timed out");
    }

    @Test
    void aServerThatIsDownIsATemporaryFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PassDb passDb = HttpPassDb.builder(URI.create("http://127.0.0.1:" + port + "/auth")).build();

        PassDbResult result = lookup(passDb, login("imap", "alice", "alice-secret", "s1"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).doesNotContain("alice-secret");
    }

    @Test
    void waitAsksAgainThenRoutes() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(auth.url()).build(),
                login("imap", "patient", "patient-secret", "s1"));

        assertThat(result.field("host")).contains("10.0.0.4");
        assertThat(auth.requests()).hasSize(2)
                .allSatisfy(r -> assertThat(r).containsEntry("auth-login-attempt", "1"));
    }

    @Test
    void loginAttemptsAreCountedPerSession() throws Exception {
        HttpPassDb passDb = HttpPassDb.builder(auth.url()).build();

        lookup(passDb, login("imap", "alice", "wrong-1", "s1"));
        lookup(passDb, login("imap", "alice", "wrong-2", "s1"));
        lookup(passDb, login("imap", "alice", "alice-secret", "s2"));
        lookup(passDb, login("imap", "alice", "alice-secret", "s1"));

        assertThat(auth.requests()).extracting(r -> r.get("auth-login-attempt")).containsExactly("1", "2", "1", "3");
    }

    @Test
    void itNeverBlocksAndCachesByPasswordAndAddressToo() {
        HttpPassDb passDb = HttpPassDb.builder(auth.url()).build();

        assertThat(passDb.nonBlocking()).isTrue();
        assertThat(passDb.cacheKey()).containsExactlyInAnyOrder(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL,
                PassDb.CacheKeyPart.CLIENT_ADDRESS, PassDb.CacheKeyPart.PASSWORD);
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertThatThrownBy(() -> HttpPassDb.builder(URI.create("ftp://x/auth")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("url: ");
        assertThatThrownBy(() -> HttpPassDb.builder(auth.url()).header("Auth-User", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("header: Auth-User is sent by the PassDb itself");
        assertThatThrownBy(() -> HttpPassDb.builder(auth.url()).header("X-Key", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("header: the value of X-Key holds a control character");
        assertThatThrownBy(() -> HttpPassDb.builder(auth.url()).timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("timeout: ");
        assertThatThrownBy(() -> HttpPassDb.builder(auth.url()).timeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("timeout: already set");
        assertThat(HttpPassDb.builder(URI.create("http://127.0.0.1:9/auth?key=k-123")).header("X-Key", "k-456")
                .build().toString()).doesNotContain("k-123").doesNotContain("k-456");
    }

    @Test
    void addressesAreWrittenAsNginxWritesThem() throws Exception {
        assertThat(AuthHttpRequest.addressText(InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(AuthHttpRequest.addressText(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(AuthHttpRequest.addressText(InetAddress.getByName("fe80:0:0:0:0:0:0:0"))).isEqualTo("fe80::");
        assertThat(AuthHttpRequest.addressText(InetAddress.getByName("2001:db8:1:2:3:4:5:6"))).isEqualTo("2001:db8:1:2:3:4:5:6");
        assertThat(AuthHttpRequest.method("LOGIN")).isEqualTo("plain");
        assertThat(AuthHttpRequest.method("CRAM-MD5")).isEqualTo("cram-md5");
        assertThat(AuthHttpRequest.escape("a b%\u0000".getBytes(StandardCharsets.UTF_8))).isEqualTo("a%20b%25%00");
    }

    private static AuthRequest login(String protocol, String user, String password, String session) {
        return new AuthRequest(protocol, user, password, "PLAIN", CLIENT, LOCAL, false, session);
    }

    private static PassDbResult lookup(PassDb passDb, AuthRequest request) throws Exception {
        return passDb.lookup(request).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
