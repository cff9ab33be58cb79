package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeBackendConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Pop3ClientHandlerTest {

    private static final String DISALLOWED =
            "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.\r\n";
    private static final BackendTarget TARGET = new BackendTarget(List.of("127.0.0.1"), 110, TlsMode.PLAIN, null);

    private final Pop3FakeSession session = new Pop3FakeSession();
    private Pop3ClientHandler handler;

    @BeforeEach
    void greet() {
        handler = session.open();
        assertThat(session.take()).isEqualTo("+OK mailproxy ready.\r\n");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void capaListsWhatIsOffered() {
        session.send("CAPA\r\n");
        assertThat(session.take()).isEqualTo("+OK Capability list follows.\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN LOGIN\r\n"
                + "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.\r\n");
    }

    @Test
    void capaOffersStlsAndNoPlaintextOnAnInsecureStarttlsListener() {
        session.startTlsAvailable = true;
        session.plaintextAllowed = false;
        session.mechanisms = Set.of();
        session.send("CAPA\r\n");
        assertThat(session.take()).isEqualTo("+OK Capability list follows.\r\nTOP\r\nUIDL\r\nSTLS\r\n"
                + "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.\r\n");
    }

    @Test
    void capaGoesThroughTheFilter() {
        session.filter = CapabilityFilter.remove("PIPELINING", "SASL", "TOP", "UIDL");
        session.send("CAPA\r\n");
        assertThat(session.take()).isEqualTo("+OK Capability list follows.\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n.\r\n");
    }

    @Test
    void userThenPassAsksTheAuthService() {
        session.send("USER alice\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n");
        session.send("PASS my secret \r\n");
        assertThat(session.paused).isTrue();
        assertThat(session.user).isEqualTo("alice");
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("alice");
            assertThat(r.password()).isEqualTo("my secret ");
            assertThat(r.mechanism()).isEqualTo("LOGIN");
        });
        assertThat(session.take()).isEmpty();
    }

    @Test
    void proxyDecisionConnectsTheBackend() {
        session.send("USER alice\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("alice", "pw")));
        assertThat(session.backendTarget).isEqualTo(TARGET);
        assertThat(session.backendHandler).isInstanceOf(Pop3BackendLogin.class);
        assertThat(session.paused).isTrue();
    }

    @Test
    void pipelinedCommandsAfterPassStayForTheBackend() {
        session.send("USER a\r\nPASS b\r\nSTAT\r\nLIST\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n");
        assertThat(session.unread()).isEqualTo("STAT\r\nLIST\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("a", "b")));
        FakeBackendConnection backend = new FakeBackendConnection();
        Pop3BackendLogin login = (Pop3BackendLogin) session.backendHandler;
        login.onConnected(backend);
        backend.reply(login, "+OK hello\r\n");
        backend.reply(login, "+OK\r\nUSER\r\n.\r\n");
        backend.reply(login, "+OK\r\n");
        backend.reply(login, "+OK maildrop has 2 messages\r\n");
        assertThat(session.take()).isEqualTo("+OK maildrop has 2 messages\r\n");
        assertThat(session.relayed).isSameAs(backend);
        assertThat(session.unread()).isEqualTo("STAT\r\nLIST\r\n");
    }

    @Test
    void rejectedLoginMayBeRetried() {
        session.send("USER alice\r\nPASS wrong\r\nUSER alice\r\n");
        session.decide(new AuthDecision.Reject(Failure.AUTH_FAILED, "no such user"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [AUTH] Authentication failed.\r\n");
        assertThat(session.lastOutcome()).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.paused).isFalse();
        session.offer();
        assertThat(session.take()).isEqualTo("+OK\r\n");
    }

    @Test
    void temporaryFailureSaysSysTemp() {
        session.send("USER alice\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Reject(Failure.TEMPORARY, null));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [SYS/TEMP] Temporary authentication failure.\r\n");
        assertThat(session.lastOutcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(session.paused).isFalse();
    }

    @Test
    void authServiceExceptionIsATemporaryFailure() {
        session.send("USER alice\r\nPASS pw\r\n");
        session.pendingDecisions().get(0).completeExceptionally(new IllegalStateException("db: password=hunter2"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [SYS/TEMP] Temporary authentication failure.\r\n");
    }

    @Test
    void otherDecisionsAreRefusedClearly() {
        session.send("USER a\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED, "x"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR Unsupported authentication mechanism.\r\n");
        session.send("USER a\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Reject(Failure.LOGIN_DISABLED, "Mailbox\r\nmoved"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [AUTH] Mailbox  moved\r\n");
        session.send("USER a\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Reject(Failure.LOGIN_DISABLED, null));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [AUTH] Login disabled.\r\n");
        session.send("USER a\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Referral("imap2.example.org", 0, "a", null));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [AUTH] Login is not possible on this server.\r\n");
        session.send("USER a\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Local("a"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [SYS/TEMP] Temporary authentication failure.\r\n");
        assertThat(session.closed).isFalse();
    }

    @Test
    void passWithoutUserIsAnError() {
        session.send("PASS pw\r\n");
        assertThat(session.take()).isEqualTo("-ERR No username given.\r\n");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void plaintextDisallowedRefusesUserPassAndPlaintextSasl() {
        session.plaintextAllowed = false;
        session.mechanisms = Set.of();
        session.send("USER a\r\nPASS b\r\nAUTH PLAIN\r\nAUTH LOGIN\r\n");
        assertThat(session.take()).isEqualTo(DISALLOWED.repeat(4));
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void bareAuthListsMechanisms() {
        session.send("AUTH\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n");
    }

    @Test
    void authPlainWithInitialResponse() {
        session.send("AUTH PLAIN " + b64("\0alice\0pw") + "\r\n");
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("alice");
            assertThat(r.password()).isEqualTo("pw");
            assertThat(r.mechanism()).isEqualTo("PLAIN");
        });
    }

    @Test
    void authPlainWithContinuation() {
        session.send("AUTH PLAIN\r\n");
        assertThat(session.take()).isEqualTo("+ \r\n");
        session.send(b64("\0alice\0pw") + "\r\n");
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.password()).isEqualTo("pw"));
    }

    @Test
    void authLoginAsksTwice() {
        session.send("AUTH LOGIN\r\n");
        assertThat(session.take()).isEqualTo("+ VXNlcm5hbWU6\r\n");
        session.send(b64("alice") + "\r\n");
        assertThat(session.take()).isEqualTo("+ UGFzc3dvcmQ6\r\n");
        session.send(b64("pw") + "\r\n");
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("alice");
            assertThat(r.mechanism()).isEqualTo("LOGIN");
        });
    }

    @Test
    void starCancelsTheExchange() {
        session.send("AUTH LOGIN\r\n*\r\nCAPA\r\n");
        assertThat(session.take()).startsWith("+ VXNlcm5hbWU6\r\n-ERR Authentication cancelled.\r\n+OK Capability");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void anotherAuthorizationIdentityIsRefusedAfterTheFailureDelayAsIMAPDoes() {
        session.send("AUTH PLAIN " + b64("bob\0alice\0pw") + "\r\n");
        assertThat(session.take()).as("nothing before the delay").isEmpty();
        session.endFailureDelay();
        assertThat(session.take()).isEqualTo("-ERR [AUTH] Authentication failed.\r\n");
        assertThat(session.authRequests).isEmpty();
        assertThat(session.lookupResults).isEmpty();
        assertThat(session.outcome).isEqualTo(Outcome.AUTH_FAILED);
    }

    @Test
    void badSaslResponseIsAnError() {
        session.send("AUTH PLAIN\r\n!!!\r\n");
        assertThat(session.take()).isEqualTo("+ \r\n-ERR Invalid SASL response.\r\n");
    }

    @Test
    void unsupportedMechanismIsRefused() {
        session.send("AUTH CRAM-MD5\r\n");
        assertThat(session.take()).isEqualTo("-ERR Unsupported authentication mechanism.\r\n");
    }

    @Test
    void stlsStartsTlsAndForgetsTheUser() {
        session.startTlsAvailable = true;
        session.send("USER alice\r\nSTLS\r\nPASS injected\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n+OK Begin TLS negotiation\r\n");
        assertThat(session.startTlsCalls).isEqualTo(1);
        session.send("PASS pw\r\n");
        assertThat(session.take()).isEqualTo("-ERR No username given.\r\n");
    }

    @Test
    void stlsWhenNotAvailable() {
        session.send("STLS\r\n");
        assertThat(session.take()).isEqualTo("-ERR STLS is not available.\r\n");
        session.secured = true;
        session.send("STLS\r\n");
        assertThat(session.take()).isEqualTo("-ERR TLS is already active.\r\n");
    }

    @Test
    void quitSaysGoodbyeAndCloses() {
        session.send("QUIT\r\nCAPA\r\n");
        assertThat(session.take()).isEqualTo("+OK Logging out.\r\n");
        assertThat(session.closed).isTrue();
    }

    @Test
    void commandsBeforeLoginAreErrors() {
        session.send("NOOP\r\nSTAT\r\nFOO\r\nAPOP a 0123456789abcdef0123456789abcdef\r\n");
        assertThat(session.take()).isEqualTo("-ERR Not logged in.\r\n-ERR Not logged in.\r\n"
                + "-ERR Unknown command.\r\n-ERR APOP is not available.\r\n");
    }

    @Test
    void overLongLineIsAnErrorAndTheRestIsSkipped() {
        session.settings = new SessionSettings(300, 8192, 10, false, 5);
        handler = session.open();
        session.take();
        session.send("USER " + "a".repeat(1000));
        session.send("a".repeat(1000) + "\r\nCAPA\r\n");
        assertThat(session.take()).startsWith("-ERR Line too long.\r\n+OK Capability list follows.\r\n");
    }

    @Test
    void tooManyErrorsClose() {
        session.settings = new SessionSettings(8192, 8192, 3, false, 5);
        handler = session.open();
        session.take();
        session.send("FOO\r\nBAR\r\nBAZ\r\nCAPA\r\n");
        assertThat(session.take()).isEqualTo("-ERR Unknown command.\r\n-ERR Unknown command.\r\n"
                + "-ERR Unknown command.\r\n-ERR Too many invalid commands.\r\n");
        assertThat(session.closed).isTrue();
    }

    @Test
    void failedLoginsCountAsErrors() {
        session.settings = new SessionSettings(8192, 8192, 2, false, 5);
        handler = session.open();
        session.take();
        session.send("FOO\r\nUSER a\r\nPASS b\r\n");
        session.decide(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        assertThat(session.take()).isEqualTo("-ERR Unknown command.\r\n+OK\r\n"
                + "-ERR [AUTH] Authentication failed.\r\n-ERR Too many invalid commands.\r\n");
        assertThat(session.closed).isTrue();
        assertThat(session.paused).isTrue();
    }

    @Test
    void timeoutAndShutdownSayGoodbye() {
        handler.onTimeout();
        assertThat(session.take()).isEqualTo("-ERR Disconnected for inactivity.\r\n");
        Pop3FakeSession other = new Pop3FakeSession();
        other.open().onShutdown();
        assertThat(other.take()).isEqualTo("+OK mailproxy ready.\r\n-ERR Server shutting down.\r\n");
    }

    @Test
    void clientLeavingDuringLoginAbortsIt() {
        session.send("USER a\r\nPASS b\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("a", "b")));
        FakeBackendConnection backend = new FakeBackendConnection();
        session.backendHandler.onConnected(backend);
        handler.onClosed();
        assertThat(backend.closed).isTrue();
    }

    @Test
    void decisionAfterTheClientLeftIsIgnored() {
        session.send("USER a\r\nPASS b\r\n");
        handler.onClosed();
        session.closed = true;
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("a", "b")));
        assertThat(session.backendHandler).isNull();
    }

    @Test
    void timeoutDuringBackendLoginClosesTheBackend() {
        session.send("USER a\r\nPASS b\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("a", "b")));
        FakeBackendConnection backend = new FakeBackendConnection();
        session.backendHandler.onConnected(backend);
        handler.onTimeout();
        assertThat(backend.closed).isTrue();
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR Disconnected for inactivity.\r\n");
        assertThat(session.lastOutcome()).isEqualTo(Outcome.TIMEOUT);
    }

    @Test
    void passwordNeverReachesTheClient() {
        session.send("USER alice\r\nPASS hunter2\r\n");
        session.decide(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        session.send("PASS hunter2\r\nAUTH PLAIN " + b64("\0alice\0hunter2") + "x\r\n");
        assertThat(session.take()).doesNotContain("hunter2").doesNotContain("alice");
    }

    @Test
    void backendRefusingThePasswordAnswersAfterTheFailureDelay() {
        session.send("USER alice\r\nPASS wrong\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, new BackendCredentials("alice", null, "wrong",
                BackendCredentials.Mechanism.LOGIN)));
        FakeBackendConnection backend = new FakeBackendConnection();
        Pop3BackendLogin login = (Pop3BackendLogin) session.backendHandler;
        login.onConnected(backend);
        backend.reply(login, "+OK\r\n+OK\r\n-ERR invalid password\r\n");
        assertThat(backend.closed).isTrue();
        assertThat(session.take()).isEqualTo("+OK\r\n");
        assertThat(session.paused).isTrue();
        session.endFailureDelay();
        assertThat(session.take()).isEqualTo("-ERR [AUTH] Authentication failed.\r\n");
        assertThat(session.lastOutcome()).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.paused).isFalse();
    }

    @Test
    void backendUnavailableAnswersAtOnceAndTheClientMayRetry() {
        session.send("USER alice\r\nPASS pw\r\n");
        session.decide(new AuthDecision.Proxy(TARGET, BackendCredentials.forwarding("alice", "pw")));
        session.backendHandler.onConnectFailed(new java.net.ConnectException("refused"));
        assertThat(session.take()).isEqualTo("+OK\r\n-ERR [SYS/TEMP] Account is temporarily unavailable.\r\n");
        assertThat(session.lastOutcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(session.paused).isFalse();
        session.send("USER alice\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n");
    }

    @Test
    void mechanismsThisModuleCannotRunAreNeitherOfferedNorAccepted() {
        session.mechanisms = new java.util.LinkedHashSet<>(List.of("GSSAPI", "PLAIN", "XOAUTH2", "LOGIN"));
        session.send("CAPA\r\nAUTH\r\nAUTH GSSAPI\r\n");
        assertThat(session.take()).contains("SASL PLAIN LOGIN\r\n").endsWith("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n"
                + "-ERR Unsupported authentication mechanism.\r\n");
    }
    @Test
    void aTrustedClientIsOfferedXclientAndNamesTheOriginatingClient() {
        session.trusted = true;
        handler = session.open();
        assertThat(session.take()).isEqualTo("+OK [XCLIENT] mailproxy ready.\r\n");
        session.send("CAPA\r\n");
        assertThat(session.take()).contains("\r\nXCLIENT\r\n");
        session.send("XCLIENT ADDR=203.0.113.9 PORT=4444 SESSION=abc TTL=3\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n");
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("203.0.113.9", 4444));
        assertThat(session.proxyTtl()).isEqualTo(3);
    }

    @Test
    void aTrustedClientsInvalidXclientChangesNothing() {
        session.trusted = true;
        handler = session.open();
        session.take();
        for (String arguments : List.of("ADDR=example.org", "ADDR=203.0.113.9 PORT=99999", "TTL=x ADDR=203.0.113.9")) {
            session.send("XCLIENT " + arguments + "\r\n");
            assertThat(session.take()).as(arguments).isEqualTo("-ERR Invalid parameters.\r\n");
        }
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("192.0.2.7", 40123));
        assertThat(session.proxyTtl()).isEqualTo(5);
    }

    @Test
    void anUntrustedClientGetsTheUnknownCommandErrorForXclient() {
        session.send("CAPA\r\n");
        assertThat(session.take()).doesNotContain("XCLIENT");
        session.send("XCLIENT ADDR=203.0.113.9 PORT=4444\r\n");
        assertThat(session.take()).isEqualTo("-ERR Unknown command.\r\n");
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("192.0.2.7", 40123));
    }

    @Test
    void latin1UserAndPassReachTheAuthServiceAsTextAndExactBytes() {
        session.send("USER j\u00e4\r\n".getBytes(StandardCharsets.ISO_8859_1));
        session.send("PASS p\u00e4\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(session.authRequests).hasSize(1);
        assertThat(session.authRequests.get(0).user()).isEqualTo("j\u00e4");
        assertThat(session.authRequests.get(0).userBytes()).containsExactly('j', 0xE4);
        assertThat(session.authRequests.get(0).passwordBytes()).containsExactly('p', 0xE4);
    }
}
