package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendCredentials.Mechanism;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.Sasl;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeBackendConnection;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Pop3BackendLoginTest {

    private static final String UNAVAILABLE = "[SYS/TEMP] Account is temporarily unavailable.";

    private final Pop3FakeSession session = new Pop3FakeSession();
    private final FakeBackendConnection backend = new FakeBackendConnection();
    private final List<String> failures = new ArrayList<>();
    private final List<Outcome> failureOutcomes = new ArrayList<>();

    private Pop3BackendLogin login(BackendCredentials credentials) {
        Pop3BackendLogin login = new Pop3BackendLogin(session, credentials, false, this::ended);
        login.onConnected(backend);
        return login;
    }

    /**
     * Takes the result as the login flow does (tested in LoginFlowTest): a success is answered with
     * the backend's line and relayed; a failure is recorded as the text the client would get.
     */
    private void ended(BackendLoginResult result) {
        if (result instanceof BackendLoginResult.LoggedIn ok) {
            session.outcome(Outcome.PROXIED);
            session.write(new String(ok.backendReply(), StandardCharsets.UTF_8) + "\r\n");
            session.startRelay(ok.connection());
        } else if (result instanceof BackendLoginResult.Unavailable u) {
            failures.add(Pop3BackendLogin.IN_USE_CODE.equals(u.code()) ? Pop3BackendLogin.IN_USE : UNAVAILABLE);
            failureOutcomes.add(Outcome.TEMPORARY_FAILURE);
        } else {
            failures.add("[AUTH] Authentication failed.");
            failureOutcomes.add(Outcome.AUTH_FAILED);
        }
    }

    @Test
    void forwardingAsksCapaThenUsesUserPass() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pass word"));
        backend.reply(login, "+OK POP3 ready\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\n");
        backend.reply(login, "+OK\r\nTOP\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\n");
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("PASS pass word\r\n");
        backend.reply(login, "+OK Logged in.\r\n+OK 2 messages\r\n");
        assertThat(session.take()).isEqualTo("+OK Logged in.\r\n");
        assertThat(session.relayed).isSameAs(backend);
        assertThat(session.lastOutcome()).isEqualTo(Outcome.PROXIED);
        assertThat(backend.unread()).isEqualTo("+OK 2 messages\r\n");
        assertThat(failures).isEmpty();
    }

    @Test
    void backendWithoutUserGetsAuthPlain() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "+OK GreenMail\r\n+OK\r\nUIDL\r\nSASL PLAIN\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\nAUTH PLAIN " + Sasl.encodePlain(null, "alice", "pw") + "\r\n");
        backend.reply(login, "+OK\r\n");
        assertThat(session.take()).isEqualTo("+OK\r\n");
        assertThat(session.relayed).isSameAs(backend);
    }

    @Test
    void backendWithoutCapaGetsUserPass() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "+OK old server\r\n-ERR unknown command\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\nUSER alice\r\n");
    }

    @Test
    void explicitLoginMechanismSkipsCapa() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\n");
    }

    @Test
    void masterUserLogsInWithPlainAndAuthorizationId() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", "proxy", "master-secret", Mechanism.AUTO));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take())
                .isEqualTo("AUTH PLAIN " + Sasl.encodePlain("alice", "proxy", "master-secret") + "\r\n");
    }

    @Test
    void masterUserWithLoginMechanismUsesTheSeparator() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", "proxy", "master-secret", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("USER alice*proxy\r\n");
    }

    @Test
    void longPlainResponseGoesInAContinuation() {
        String password = "p".repeat(300);
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, password, Mechanism.PLAIN));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("AUTH PLAIN\r\n");
        backend.reply(login, "+ \r\n");
        assertThat(backend.take()).isEqualTo(Sasl.encodePlain(null, "alice", password) + "\r\n");
        backend.reply(login, "+OK\r\n");
        assertThat(session.relayed).isSameAs(backend);
    }

    @Test
    void trustedBackendGetsXclientWhenItOffersIt() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\n");
        backend.reply(login, "+OK\r\nXCLIENT\r\nUSER\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("XCLIENT ADDR=192.0.2.7 PORT=40123 SESSION=sess-1 TTL=4\r\n");
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\n");
    }

    @Test
    void trustedDovecotOffersXclientInItsGreetingRatherThanInCapa() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        Pop3BackendLogin login = login(new BackendCredentials("alice*proxy", null, "secret", Mechanism.LOGIN));
        // Dovecot 2.3's pop3-login, as the POP3 interop test sees it from a trusted network
        backend.reply(login, "+OK [XCLIENT] Dovecot (Debian) ready.\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\n");
        backend.reply(login, "+OK\r\nCAPA\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("XCLIENT ADDR=192.0.2.7 PORT=40123 SESSION=sess-1 TTL=4\r\n");
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEqualTo("USER alice*proxy\r\n");
    }

    @Test
    void untrustedProxySendsNoXclientWhateverTheGreetingSays() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK [XCLIENT] Dovecot ready.\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\n");
    }

    @Test
    void trustedBackendWithoutXclientGetsNone() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n+OK\r\nUSER\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\nUSER alice\r\n");
    }

    @Test
    void refusedXclientIsATemporaryFailure() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "+OK\r\n+OK\r\nXCLIENT\r\n.\r\n-ERR not trusted\r\n");
        assertThat(failures).containsExactly(UNAVAILABLE);
        assertThat(backend.closed).isTrue();
    }

    @Test
    void wrongPasswordIsAuthFailed() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n+OK\r\n-ERR [AUTH] invalid password for alice\r\n");
        assertThat(failures).containsExactly("[AUTH] Authentication failed.");
        assertThat(failureOutcomes).containsExactly(Outcome.AUTH_FAILED);
        assertThat(backend.closed).isTrue();
        assertThat(session.relayed).isNull();
        assertThat(session.take()).isEmpty();
    }

    @Test
    void unknownUserIsAuthFailed() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n-ERR no such user\r\n");
        assertThat(failures).containsExactly("[AUTH] Authentication failed.");
    }

    @Test
    void backendTemporaryAndInUseCodesAreKept() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.PLAIN));
        backend.reply(login, "+OK\r\n-ERR [SYS/TEMP] storage down\r\n");
        FakeBackendConnection second = new FakeBackendConnection();
        Pop3BackendLogin other = new Pop3BackendLogin(session, new BackendCredentials("a", null, "p", Mechanism.PLAIN), false,
                this::ended);
        other.onConnected(second);
        second.reply(other, "+OK\r\n-ERR [IN-USE] locked\r\n");
        assertThat(failures).containsExactly(UNAVAILABLE, "[IN-USE] Mailbox is in use by another session.");
        assertThat(failureOutcomes).containsExactly(Outcome.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void badGreetingIsATemporaryFailure() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "* OK IMAP4rev1 ready\r\n");
        assertThat(failures).containsExactly(UNAVAILABLE);
        assertThat(failureOutcomes).containsExactly(Outcome.TEMPORARY_FAILURE);
        assertThat(backend.closed).isTrue();
    }

    @Test
    void garbageReplyIsATemporaryFailure() {
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\nHELLO?\r\n");
        assertThat(failures).containsExactly(UNAVAILABLE);
    }

    @Test
    void endlessLineIsATemporaryFailure() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "+OK " + "x".repeat(9000));
        assertThat(failures).containsExactly(UNAVAILABLE);
    }

    @Test
    void backendClosingIsATemporaryFailure() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("alice", "pw"));
        backend.reply(login, "+OK\r\n");
        login.onClosed();
        assertThat(failures).containsExactly(UNAVAILABLE);
    }

    @Test
    void connectFailureIsATemporaryFailure() {
        Pop3BackendLogin login = new Pop3BackendLogin(session, BackendCredentials.forwarding("a", "b"), false,
                this::ended);
        login.onConnectFailed(new ConnectException("Connection refused"));
        assertThat(failures).containsExactly(UNAVAILABLE);
    }

    @Test
    void lineBreakInPassDbUserIsRefused() {
        Pop3BackendLogin login = login(new BackendCredentials("alice\r\nDELE 1", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK\r\n");
        assertThat(backend.take()).isEmpty();
        assertThat(failures).containsExactly(UNAVAILABLE);
    }

    @Test
    void abortedLoginClosesALateConnection() {
        Pop3BackendLogin login = new Pop3BackendLogin(session, BackendCredentials.forwarding("a", "b"), false,
                this::ended);
        login.abandon();
        login.onConnected(backend);
        assertThat(backend.closed).isTrue();
        login.onConnectFailed(new ConnectException("late"));
        assertThat(failures).isEmpty();
    }

    @Test
    void stlsComesBeforeCapaAndLogin() {
        Pop3BackendLogin login = new Pop3BackendLogin(session, BackendCredentials.forwarding("alice", "pw"), true,
                this::ended);
        login.onConnected(backend);
        backend.reply(login, "+OK ready\r\n");
        assertThat(backend.take()).isEqualTo("STLS\r\n");
        backend.reply(login, "+OK Begin TLS\r\n+OK injected\r\n");
        assertThat(backend.startTlsCalls).isEqualTo(1);
        assertThat(backend.take()).isEmpty();
        login.onSecured();
        assertThat(backend.take()).isEqualTo("CAPA\r\n");
        backend.reply(login, "+OK\r\nUSER\r\n.\r\n+OK\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\nPASS pw\r\n");
        backend.reply(login, "+OK welcome\r\n");
        assertThat(session.relayed).isSameAs(backend);
        assertThat(failures).isEmpty();
    }

    @Test
    void refusedStlsIsATemporaryFailure() {
        Pop3BackendLogin login = new Pop3BackendLogin(session, BackendCredentials.forwarding("alice", "pw"), true,
                this::ended);
        login.onConnected(backend);
        backend.reply(login, "+OK ready\r\n-ERR no TLS here\r\n");
        assertThat(failures).containsExactly(UNAVAILABLE);
        assertThat(backend.startTlsCalls).isZero();
        assertThat(backend.closed).isTrue();
    }
    @Test
    void xclientCarriesTheSessionsProxyTtlLessOne() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        session.proxyTtl = 1;  // as a trusted client passed it in
        Pop3BackendLogin login = login(new BackendCredentials("alice", null, "pw", Mechanism.LOGIN));
        backend.reply(login, "+OK [XCLIENT] ready\r\n+OK\r\nUSER\r\n.\r\n");
        assertThat(backend.take()).isEqualTo("CAPA\r\nXCLIENT ADDR=192.0.2.7 PORT=40123 SESSION=sess-1 TTL=0\r\n");
    }

    @Test
    void proxyNotTrustedSendsNoXclient() {
        session.settings = new SessionSettings(8192, 8192, 10, true, 5);
        Pop3BackendLogin login = new Pop3BackendLogin(session, new BackendCredentials("alice", null, "pw", Mechanism.LOGIN),
                new BackendTarget(List.of("192.0.2.1"), 110, TlsMode.PLAIN, null, false, false), r -> { });
        login.onConnected(backend);
        backend.reply(login, "+OK [XCLIENT] ready\r\n");
        assertThat(backend.take()).isEqualTo("USER alice\r\n");
    }

    @Test
    void latin1CredentialsAreSentByteForByte() {
        Pop3BackendLogin login = login(BackendCredentials.forwarding("j\u00e4", new byte[] {'j', (byte) 0xE4},
                "p\u00e4", new byte[] {'p', (byte) 0xE4}));
        backend.reply(login, "+OK\r\n+OK\r\nUSER\r\n.\r\n+OK\r\n");
        assertThat(backend.sent.toByteArray()).isEqualTo(
                "CAPA\r\nUSER j\u00e4\r\nPASS p\u00e4\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
}
