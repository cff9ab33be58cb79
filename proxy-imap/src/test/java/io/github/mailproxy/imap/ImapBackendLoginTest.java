package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendCredentials.Mechanism;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeBackendConnection;
import io.github.mailproxy.testing.FakeClientSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backend login client against scripted backend replies, each script also fed split at every
 * byte. It runs as in a session: the client handler's LOGIN, a proxy decision, and the login flow
 * that answers the client with the IMAP wording and starts the relay.
 */
class ImapBackendLoginTest {

    /** What one run produced. */
    private record Run(String sentToBackend, String toClient, Outcome outcome, String listener,
                       boolean backendClosed, boolean relayed, String leftInBuffer) {
    }

    private SessionSettings settings = new SessionSettings(100, 50, 5, false, 5);
    private CapabilityFilter filter = CapabilityFilter.identity();
    private TlsMode tls = TlsMode.PLAIN;

    /** Runs the login against a backend that sends {@code script}; all splits must give the same run. */
    private Run run(BackendCredentials credentials, String script) {
        Run first = null;
        for (List<byte[]> chunks : Chunks.splits(script)) {
            Run run = runOnce(credentials, chunks);
            if (first == null) {
                first = run;
            } else {
                assertThat(run).as("split into %d chunks", chunks.size()).isEqualTo(first);
            }
        }
        return first;
    }

    private Run runOnce(BackendCredentials credentials, List<byte[]> chunks) {
        FakeClientSession session = new ImapFakeSession();
        session.settings = settings;
        session.filter = filter;
        ImapClientHandler handler = new ImapClientHandler(session);
        handler.onInput(ByteBuffer.wrap("c7 LOGIN client secret\r\n".getBytes(StandardCharsets.US_ASCII)));
        session.decide(new AuthDecision.Proxy(new BackendTarget(List.of("-"), 0, tls, null), credentials));
        ImapBackendLogin login = (ImapBackendLogin) session.backendHandler;
        FakeBackendConnection backend = new FakeBackendConnection();
        login.onConnected(backend);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        for (byte[] chunk : chunks) {
            buffer.put(chunk).flip();
            if (session.relayed == null && !backend.closed) {
                login.onInput(buffer);
                if (backend.tlsStarted) {
                    // as the core: input after the go-ahead is dropped, then the handshake completes
                    backend.tlsStarted = false;
                    backend.sent.writeBytes("<TLS>".getBytes(StandardCharsets.US_ASCII));
                    buffer.position(buffer.limit());
                    login.onSecured();
                }
            }
            buffer.compact();
        }
        buffer.flip();
        String toClient = session.take();
        String ended = session.relayed != null ? "loggedIn" : toClient.startsWith("c7 NO") ? "failed" : "";
        return new Run(backend.take(), toClient, session.outcome, ended, backend.closed,
                session.relayed == backend, StandardCharsets.UTF_8.decode(buffer).toString());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void loginWithCapabilitiesFromGreetingAndOkLeavesTheRestForTheRelay() {
        Run run = run(BackendCredentials.forwarding("bob", "s3cret"),
                "* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n"
                        + "mp1 OK [CAPABILITY IMAP4rev1 IDLE MOVE COMPRESS=DEFLATE] Logged in\r\n"
                        + "* 3 EXISTS\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN \"bob\" \"s3cret\"\r\n");
        assertThat(run.toClient()).isEqualTo("c7 OK [CAPABILITY IMAP4rev1 IDLE MOVE COMPRESS=DEFLATE] Logged in\r\n");
        assertThat(run.outcome()).isEqualTo(Outcome.PROXIED);
        assertThat(run.listener()).isEqualTo("loggedIn");
        assertThat(run.relayed()).isTrue();
        assertThat(run.leftInBuffer()).isEqualTo("* 3 EXISTS\r\n");
    }

    @Test
    void postLoginCapabilitiesGoThroughTheFilter() {
        filter = (phase, protocol, caps) -> phase == CapabilityFilter.Phase.POST_LOGIN
                ? caps.stream().filter(c -> !c.startsWith("COMPRESS")).toList() : caps;
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE IDLE] ok\r\n");
        assertThat(run.toClient()).isEqualTo("c7 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
    }

    @Test
    void asksForCapabilitiesWhenTheGreetingHasNone() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK ready\r\n* CAPABILITY IMAP4rev1 LITERAL+\r\nmp1 OK done\r\n"
                        + "* CAPABILITY IMAP4rev1 IDLE\r\nmp2 OK Logged in\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 CAPABILITY\r\nmp2 LOGIN \"bob\" \"pw\"\r\n");
        assertThat(run.toClient()).isEqualTo("c7 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
    }

    @Test
    void asksForCapabilitiesAfterLoginWhenNoneCame() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 OK Logged in\r\n"
                        + "* CAPABILITY IMAP4rev1 IDLE UIDPLUS\r\nmp2 OK done\r\nmore");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN \"bob\" \"pw\"\r\nmp2 CAPABILITY\r\n");
        assertThat(run.toClient()).isEqualTo("c7 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n");
        assertThat(run.leftInBuffer()).isEqualTo("more");
    }

    @Test
    void toleratesUntaggedLinesAndLiteralsDuringLogin() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\n* OK [ALERT] hello\r\n* ID (\"name\" {4}\r\nmp1 ) \"x\" {2}\r\nab)\r\n"
                        + "* CAPABILITY IMAP4rev1 QUOTA\r\nmp1 OK Logged in\r\n");
        assertThat(run.toClient()).isEqualTo("c7 OK [CAPABILITY IMAP4rev1 QUOTA] Logged in\r\n");
    }

    @Test
    void loginDisabledMeansAuthenticatePlainWithInitialResponse() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGINDISABLED AUTH=PLAIN] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 AUTHENTICATE PLAIN " + b64("\0bob\0pw") + "\r\n");
        assertThat(run.relayed()).isTrue();
    }

    @Test
    void plainWithoutSaslIrWaitsForContinuation() {
        Run run = run(new BackendCredentials("bob", null, "pw", Mechanism.PLAIN),
                "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n+ \r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 AUTHENTICATE PLAIN\r\n" + b64("\0bob\0pw") + "\r\n");
        assertThat(run.relayed()).isTrue();
    }

    @Test
    void masterUserAsAuthenticationIdOrWithStar() {
        Run plain = run(new BackendCredentials("bob", "proxy", "master-pw", Mechanism.PLAIN),
                "* OK [CAPABILITY IMAP4rev1 SASL-IR] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(plain.sentToBackend()).isEqualTo("mp1 AUTHENTICATE PLAIN " + b64("bob\0proxy\0master-pw") + "\r\n");
        Run login = run(new BackendCredentials("bob", "proxy", "master-pw", Mechanism.LOGIN),
                "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(login.sentToBackend()).isEqualTo("mp1 LOGIN \"bob*proxy\" \"master-pw\"\r\n");
    }

    @Test
    void loginArgumentsAreQuotedWithEscapes() {
        Run run = run(BackendCredentials.forwarding("b\"ob", "p\\w \"x\""),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN \"b\\\"ob\" \"p\\\\w \\\"x\\\"\"\r\n");
    }

    @Test
    void unquotableArgumentsGoAsNonSynchronizingLiteralsWithLiteralPlus() {
        Run run = run(BackendCredentials.forwarding("jörg", "pw\r\n"),
                "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN {5+}\r\njörg {4+}\r\npw\r\n\r\n");
    }

    @Test
    void unquotableArgumentsWaitForContinuationWithoutLiteralPlus() {
        Run run = run(BackendCredentials.forwarding("jörg", "pw\r\n"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\n+ go\r\n+\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN {5}\r\njörg {4}\r\npw\r\n\r\n");
        assertThat(run.relayed()).isTrue();
    }

    @Test
    void trustedBackendGetsTheClientAddressById() {
        settings = new SessionSettings(100, 50, 5, true, 5);
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1 ID] ready\r\n* ID NIL\r\nmp1 OK ID done\r\nmp2 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 ID (\"x-originating-ip\" \"192.0.2.7\" \"x-originating-port\" "
                + "\"40001\" \"x-connected-ip\" \"198.51.100.1\" \"x-connected-port\" \"143\" \"x-session-ext-id\" \"s1\" "
                + "\"x-proxy-ttl\" \"4\")\r\nmp2 LOGIN \"bob\" \"pw\"\r\n");
        assertThat(run.relayed()).isTrue();
    }

    @Test
    void backendRefusingThePasswordIsAuthenticationFailed() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n");
        assertThat(run.toClient()).isEqualTo("c7 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        assertThat(run.outcome()).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(run.backendClosed()).isTrue();
        assertThat(run.listener()).isEqualTo("failed");
        assertThat(run.relayed()).isFalse();
    }

    @Test
    void temporaryCodesBecomeUnavailable() {
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 NO [UNAVAILABLE] storage down\r\n");
        assertThat(run.toClient()).isEqualTo("c7 " + ImapClientHandler.UNAVAILABLE + "\r\n");
        assertThat(run.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(run.backendClosed()).isTrue();
    }

    @Test
    void badGreetingsAndBadRepliesAreUnavailable() {
        for (String script : List.of("* BYE go away\r\n", "* PREAUTH hi\r\n", "HTTP/1.1 400\r\n",
                "* OK [CAPABILITY IMAP4rev1] hi\r\nmp1 BAD what\r\n", "* OK [CAPABILITY IMAP4rev1] hi\r\nzz OK\r\n",
                "* OK hi\r\nmp1 NO no caps\r\n", "* OK [CAPABILITY IMAP4rev1] hi\r\n+ unexpected\r\n",
                "* OK [CAPABILITY IMAP4rev1] hi\r\n* BYE shutting down\r\n")) {
            Run run = run(BackendCredentials.forwarding("bob", "pw"), script);
            assertThat(run.toClient()).as(script).isEqualTo("c7 " + ImapClientHandler.UNAVAILABLE + "\r\n");
            assertThat(run.backendClosed()).as(script).isTrue();
            assertThat(run.listener()).as(script).isEqualTo("failed");
        }
    }

    @Test
    void connectFailureAndEarlyCloseAreUnavailable() {
        FakeClientSession session = new ImapFakeSession();
        List<BackendLoginResult> results = new ArrayList<>();
        new ImapBackendLogin(session, BackendCredentials.forwarding("u", "p"), TlsMode.PLAIN, results::add)
                .onConnectFailed(new java.net.ConnectException("refused"));
        ImapBackendLogin closed = new ImapBackendLogin(session, BackendCredentials.forwarding("u", "p"), TlsMode.PLAIN,
                results::add);
        closed.onConnected(new FakeBackendConnection());
        closed.onClosed();
        closed.onClosed();
        assertThat(results).containsExactly(new BackendLoginResult.Unavailable(null), new BackendLoginResult.Unavailable(null));
        assertThat(session.take()).isEmpty();  // the login flow answers the client, not the backend login
    }

    @Test
    void startTlsToTheBackendThenCapabilitiesAgain() {
        tls = TlsMode.STARTTLS;
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\nmp1 OK Begin TLS\r\n");
        // the handshake swallowed the rest of the script; the login goes on after the new CAPABILITY
        assertThat(run.sentToBackend()).isEqualTo("mp1 STARTTLS\r\n<TLS>mp2 CAPABILITY\r\n");
        assertThat(run.toClient()).isEmpty();
    }

    @Test
    void startTlsRequiredButNotOfferedIsUnavailable() {
        tls = TlsMode.STARTTLS;
        Run run = run(BackendCredentials.forwarding("bob", "pw"), "* OK [CAPABILITY IMAP4rev1] ready\r\n");
        assertThat(run.sentToBackend()).isEmpty();
        assertThat(run.toClient()).isEqualTo("c7 " + ImapClientHandler.UNAVAILABLE + "\r\n");
    }

    @Test
    void toStringHidesThePassword() {
        ImapBackendLogin login = new ImapBackendLogin(new ImapFakeSession(),
                BackendCredentials.forwarding("bob", "s3cret"), TlsMode.PLAIN, r -> { });
        assertThat(login.toString()).contains("bob").doesNotContain("s3cret");
    }
    @Test
    void noIdWhenTheBackendDoesNotAdvertiseIt() {
        settings = new SessionSettings(100, 50, 5, true, 5);
        Run run = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(run.sentToBackend()).isEqualTo("mp1 LOGIN \"bob\" \"pw\"\r\n");
        assertThat(run.relayed()).isTrue();
    }

    @Test
    void noIdWhenTheSettingIsOffOrThePassDbSaysProxyNotTrusted() {
        settings = new SessionSettings(100, 50, 5, false, 5);
        Run off = run(BackendCredentials.forwarding("bob", "pw"),
                "* OK [CAPABILITY IMAP4rev1 ID] ready\r\nmp1 OK [CAPABILITY IMAP4rev1] ok\r\n");
        assertThat(off.sentToBackend()).isEqualTo("mp1 LOGIN \"bob\" \"pw\"\r\n");

        FakeClientSession session = new ImapFakeSession();
        session.settings = new SessionSettings(100, 50, 5, true, 5);
        BackendTarget notTrusted = new BackendTarget(List.of("192.0.2.1"), 143, TlsMode.PLAIN, null, false, false);
        ImapBackendLogin login = new ImapBackendLogin(session, BackendCredentials.forwarding("bob", "pw"),
                notTrusted, r -> { });
        FakeBackendConnection backend = new FakeBackendConnection();
        login.onConnected(backend);
        login.onInput(ByteBuffer.wrap("* OK [CAPABILITY IMAP4rev1 ID] ready\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(backend.take()).isEqualTo("mp1 LOGIN \"bob\" \"pw\"\r\n");
    }

    @Test
    void theIdCarriesTheSessionsProxyTtlLessOne() {
        FakeClientSession session = new ImapFakeSession();
        session.settings = new SessionSettings(100, 50, 5, true, 5);
        session.proxyTtl = 2;  // as a trusted client passed it in
        ImapBackendLogin login = new ImapBackendLogin(session, BackendCredentials.forwarding("bob", "pw"),
                TlsMode.PLAIN, r -> { });
        FakeBackendConnection backend = new FakeBackendConnection();
        login.onConnected(backend);
        login.onInput(ByteBuffer.wrap("* OK [CAPABILITY IMAP4rev1 ID] ready\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(backend.take()).contains("\"x-session-ext-id\" \"s1\" \"x-proxy-ttl\" \"1\")");
    }

    @Test
    void latin1CredentialsAreSentAsLiteralsByteForByte() {
        FakeClientSession session = new ImapFakeSession();
        session.settings = settings;
        ImapBackendLogin login = new ImapBackendLogin(session, BackendCredentials.forwarding("j\u00e4",
                new byte[] {'j', (byte) 0xE4}, "p\u00e4", new byte[] {'p', (byte) 0xE4}), TlsMode.PLAIN, r -> { });
        FakeBackendConnection backend = new FakeBackendConnection();
        login.onConnected(backend);
        login.onInput(ByteBuffer.wrap("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(backend.sent.toByteArray()).isEqualTo(
                "mp1 LOGIN {2+}\r\nj\u00e4 {2+}\r\np\u00e4\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aBackendLineOverTheBoundIsUnavailable() {
        // settings 100 + 50: the backend login's bound follows what the core buffers
        Run run = runOnce(BackendCredentials.forwarding("bob", "pw"),
                List.of(("* OK " + "x".repeat(200) + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        assertThat(run.toClient()).isEqualTo("c7 " + ImapClientHandler.UNAVAILABLE + "\r\n");
        assertThat(run.backendClosed()).isTrue();
    }
}
