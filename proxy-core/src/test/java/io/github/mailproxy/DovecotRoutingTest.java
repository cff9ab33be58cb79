package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthDecision.Failure;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Dovecot's field rules as public API: a custom {@link AuthStrategy} written only against
 * {@code io.github.mailproxy} routes exactly as the built-in ones do.
 */
class DovecotRoutingTest {

    private static final InetSocketAddress OFFICE_CLIENT = new InetSocketAddress("10.9.8.7", 50000);
    private static final InetSocketAddress OUTSIDE_CLIENT = new InetSocketAddress("198.51.100.7", 50000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 143);

    /** The Javadoc's example: password forwarding, for clients in 10.0.0.0/8 only. */
    private static final AuthStrategy OFFICE_ONLY = new AuthStrategy() {
        @Override
        public Set<String> mechanisms() {
            return Set.of("PLAIN", "LOGIN");
        }

        @Override
        public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
            Optional<AuthDecision> refused = DovecotRouting.refusal(request, result);
            if (refused.isPresent()) {
                return CompletableFuture.completedFuture(refused.get());
            }
            if (!request.clientAddress().getAddress().getHostAddress().startsWith("10.")) {
                return CompletableFuture.completedFuture(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
            }
            return CompletableFuture.completedFuture(
                    DovecotRouting.route(request, result, DovecotRouting.forwardedCredentials(request, result)));
        }
    };

    private static AuthRequest login(InetSocketAddress client, String user, String password) {
        return new AuthRequest("imap", user, password, "LOGIN", client, LOCAL, false, "s1");
    }

    private static AuthDecision decide(AuthStrategy strategy, AuthRequest request, PassDbResult result) {
        return strategy.decide(request, result).toCompletableFuture().join();
    }

    private static AuthDecision route(Map<String, String> fields) {
        AuthRequest request = login(OFFICE_CLIENT, "alice", "pw");
        PassDbResult result = PassDbResult.found(fields);
        return DovecotRouting.route(request, result, DovecotRouting.forwardedCredentials(request, result));
    }

    @Test
    void aCustomStrategyDecidesExactlyAsPasswordForwardingForEveryRoutingRow() {
        List<Map<String, String>> rows = List.of(
                Map.of("proxy", "Y", "host", "10.1.2.3", "nopassword", "y"),
                Map.of("proxy", "yes", "host", "a.example, b.example", "port", "10143", "destuser", "alice@backend",
                        "proxy_timeout", "7", "ssl", "any-cert", "nopassword", ""),
                Map.of("proxy", "1", "hostip", "10.0.0.5", "host", "imap.example", "starttls", "yes",
                        "proxy_not_trusted", "y", "nopassword", "y"),
                Map.of("host", "other.example", "port", "993", "reason", "Moved", "nopassword", "y"),
                Map.of("nologin", "y", "reason", "Account suspended", "nopassword", "y"),
                Map.of("proxy_maybe", "y", "host", "192.0.2.1", "nopassword", "y"),
                Map.of("proxy", "y", "nopassword", "y"),
                Map.of("proxy", "y", "host", "h", "port", "70000", "nopassword", "y"),
                Map.of("nopassword", "y"));
        AuthRequest request = login(OFFICE_CLIENT, "alice", "pw");
        for (Map<String, String> row : rows) {
            PassDbResult result = PassDbResult.found(row);
            assertThat(decide(OFFICE_ONLY, request, result)).as("row %s", row)
                    .isEqualTo(decide(AuthStrategy.passwordForwarding(), request, result));
        }
    }

    @Test
    void aCustomStrategyAddsItsOwnRefusal() {
        PassDbResult row = PassDbResult.found(Map.of("proxy", "y", "host", "10.1.2.3", "nopassword", "y"));
        assertThat(decide(OFFICE_ONLY, login(OFFICE_CLIENT, "alice", "pw"), row)).isInstanceOf(AuthDecision.Proxy.class);
        assertThat(decide(OFFICE_ONLY, login(OUTSIDE_CLIENT, "alice", "pw"), row))
                .isEqualTo(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
    }

    @Test
    void unknownUsersAndPassDbFailuresAreRefusedBeforeTheStrategyLooksFurther() {
        AuthRequest request = login(OFFICE_CLIENT, "alice", "pw");
        assertThat(DovecotRouting.refusal(request, PassDbResult.notFound()))
                .contains(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        assertThat(DovecotRouting.refusal(request, PassDbResult.temporaryFailure("db down")))
                .contains(new AuthDecision.Reject(Failure.TEMPORARY, null));
        assertThat(DovecotRouting.refusal(request, PassDbResult.found(Map.of()))).isEmpty();
    }

    @Test
    void proxyRowBecomesTheTargetItNames() {
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5", "host", "imap.example", "port", "10993",
                "ssl", "yes", "proxy_timeout", "9", "proxy_not_trusted", "y", "destuser", "alice@backend")))
                .isEqualTo(new AuthDecision.Proxy(
                        new BackendTarget(List.of("10.0.0.5"), 10993, TlsMode.IMPLICIT, Duration.ofSeconds(9), false, false,
                                List.of("imap.example"), null, null),
                        BackendCredentials.forwarding("alice@backend",
                                "alice@backend".getBytes(StandardCharsets.UTF_8), "pw",
                                "pw".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void hostipIsConnectedToWhileHostStaysTheNameForTlsAndLogs() {
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5", "host", "imap.example")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().hosts()).containsExactly("10.0.0.5");
                    assertThat(p.target().name(0)).isEqualTo("imap.example");
                    assertThat(p.target().logName(143)).isEqualTo("imap.example:143");
                });
        // one name for several addresses (DNS round robin written out), or name by name
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5 10.0.0.6", "host", "imap.example")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> assertThat(p.target().names())
                        .containsExactly("imap.example", "imap.example"));
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5,[2001:db8::6]", "host", "a.example b.example")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().hosts()).containsExactly("10.0.0.5", "[2001:db8::6]");
                    assertThat(p.target().names()).containsExactly("a.example", "b.example");
                });
        // hostip alone: the address is its own name
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> assertThat(p.target().name(0)).isEqualTo("10.0.0.5"));
        // a referral names the host, not its address
        assertThat(route(Map.of("hostip", "10.0.0.5", "host", "imap.example")))
                .isEqualTo(new AuthDecision.Referral("imap.example", 0, "alice", null));
    }

    @Test
    void hostipThatIsNoAddressOrListsThatDoNotPairAreTemporaryFailures() {
        AuthDecision temporary = new AuthDecision.Reject(Failure.TEMPORARY, null);
        assertThat(route(Map.of("proxy", "y", "hostip", "imap.example", "host", "imap.example"))).isEqualTo(temporary);
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5 10.0.0.6 10.0.0.7", "host", "a.example b.example")))
                .isEqualTo(temporary);
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5", "source_ip", "not-an-address"))).isEqualTo(temporary);
        assertThat(route(Map.of("proxy", "y", "hostip", "10.0.0.5", "source_ip", "10.0.0.300"))).isEqualTo(temporary);
    }

    @Test
    void sourceIpAndHaproxyFieldsReachTheTarget() throws Exception {
        java.net.InetAddress loopback2 = java.net.InetAddress.getByName("127.0.0.2");
        java.net.InetAddress v6 = java.net.InetAddress.getByName("2001:db8::2");
        assertThat(route(Map.of("proxy", "y", "host", "h", "source_ip", "127.0.0.2", "haproxy", "y")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().sourceAddress()).isEqualTo(loopback2);
                    assertThat(p.target().haproxy()).isTrue();
                });
        assertThat(route(Map.of("proxy", "y", "host", "h", "source_ip", "2001:db8::2", "haproxy", "no")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().sourceAddress()).isEqualTo(v6);
                    assertThat(p.target().haproxy()).isFalse();
                });
        assertThat(route(Map.of("proxy", "y", "host", "h")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().sourceAddress()).isNull();
                    assertThat(p.target().haproxy()).as("the server decides").isNull();
                    assertThat(p.target().withHaproxy(true).forwardClient()).as("the header replaces ID/XCLIENT").isFalse();
                    assertThat(p.target().withHaproxy(false).forwardClient()).isTrue();
                });
    }

    @Test
    void starttlsAnyCertSkipsTheCertificateCheck() {
        assertThat(route(Map.of("proxy", "y", "host", "h", "starttls", "any-cert")))
                .isInstanceOfSatisfying(AuthDecision.Proxy.class, p -> {
                    assertThat(p.target().tls()).isEqualTo(TlsMode.STARTTLS);
                    assertThat(p.target().anyCert()).isTrue();
                    assertThat(p.target().forwardClient()).isTrue();
                });
    }

    @Test
    void hostWithoutProxyIsAReferralWithTheReason() {
        assertThat(route(Map.of("host", "other.example", "port", "993", "reason", "Moved", "destuser", "al")))
                .isEqualTo(new AuthDecision.Referral("other.example", 993, "al", "Moved"));
    }

    @Test
    void nologinWithoutHostIsLoginDisabledWithTheReason() {
        assertThat(route(Map.of("nologin", "y", "reason", "Account suspended")))
                .isEqualTo(new AuthDecision.Reject(Failure.LOGIN_DISABLED, "Account suspended"));
    }

    @Test
    void proxyMaybeRoutesAsProxyTheServerTellsWhetherTheHostIsItself() {
        assertThat(route(Map.of("proxy_maybe", "y", "host", "192.0.2.1"))).isInstanceOf(AuthDecision.Proxy.class);
    }

    @Test
    void misconfiguredRowsAreTemporaryFailures() {
        AuthDecision temporary = new AuthDecision.Reject(Failure.TEMPORARY, null);
        assertThat(route(Map.of("proxy", "y"))).isEqualTo(temporary);
        assertThat(route(Map.of("proxy", "y", "host", "h", "port", "70000"))).isEqualTo(temporary);
        assertThat(route(Map.of("proxy", "y", "host", "h", "port", "imap"))).isEqualTo(temporary);
    }

    @Test
    void credentialsThatCannotBeMadeAreATemporaryFailure() {
        AuthRequest request = login(OFFICE_CLIENT, "alice", "pw");
        assertThat(DovecotRouting.route(request, PassDbResult.found(Map.of("proxy", "y", "host", "h")), user -> null))
                .isEqualTo(new AuthDecision.Reject(Failure.TEMPORARY, null));
    }

    @Test
    void forwardedCredentialsSendTheClientsOwnBytesUnlessTheUserIsRenamed() {
        byte[] latin1User = "jos\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        byte[] latin1Password = "p\u00e4ss".getBytes(StandardCharsets.ISO_8859_1);
        AuthRequest request = login(OFFICE_CLIENT, "jos\ufffd", "p\ufffdss").withClientBytes(latin1User, latin1Password);
        Map<String, String> kept = new HashMap<>(Map.of("proxy", "y", "host", "h"));
        kept.put("destuser", "");

        BackendCredentials same = DovecotRouting.forwardedCredentials(request, PassDbResult.found(kept)).apply("jos\ufffd");
        assertThat(same.userBytes()).isEqualTo(latin1User);
        assertThat(same.passwordBytes()).isEqualTo(latin1Password);

        BackendCredentials renamed = DovecotRouting.forwardedCredentials(request,
                PassDbResult.found(Map.of("destuser", "jose@backend"))).apply("jose@backend");
        assertThat(renamed.userBytes()).isEqualTo("jose@backend".getBytes(StandardCharsets.UTF_8));
        assertThat(renamed.passwordBytes()).isEqualTo(latin1Password);
    }

    @Test
    void aPassFieldWithoutMasterReplacesTheForwardedPassword() {
        AuthRequest request = login(OFFICE_CLIENT, "alice", "client-pw");
        BackendCredentials rewritten = DovecotRouting.forwardedCredentials(request,
                PassDbResult.found(Map.of("pass", "backend-p\u00e4ss"))).apply("alice");
        assertThat(rewritten.password()).isEqualTo("backend-p\u00e4ss");
        assertThat(rewritten.passwordBytes()).isEqualTo("backend-p\u00e4ss".getBytes(StandardCharsets.UTF_8));
        assertThat(rewritten.masterUser()).isNull();

        // with master, pass is the master's password: forwarding keeps the client's own
        BackendCredentials master = DovecotRouting.forwardedCredentials(request,
                PassDbResult.found(Map.of("pass", "m-pw", "master", "proxy"))).apply("alice");
        assertThat(master.password()).isEqualTo("client-pw");
    }

    @Test
    void misuseIsRefusedWithAMessageNamingTheArgument() {
        AuthRequest cram = new AuthRequest("imap", "alice", null, "CRAM-MD5", OFFICE_CLIENT, LOCAL, false, "s1");
        assertThatThrownBy(() -> DovecotRouting.forwardedCredentials(cram, PassDbResult.found(Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("request: mechanism CRAM-MD5 gives no plaintext password to forward");
        AuthRequest request = login(OFFICE_CLIENT, "alice", "pw");
        assertThatThrownBy(() -> DovecotRouting.route(request, PassDbResult.notFound(), user -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("result: not a found user (NOT_FOUND); call refusal first");
        assertThatThrownBy(() -> DovecotRouting.refusal(null, PassDbResult.notFound()))
                .isInstanceOf(NullPointerException.class).hasMessage("request");
    }
}
