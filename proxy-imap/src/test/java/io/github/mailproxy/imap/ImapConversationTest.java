package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Raw-socket conversations with the proxy in front of GreenMail: every pre-login command and every
 * error of the login path, byte for byte as a client sees them.
 */
class ImapConversationTest {

    private static final int MAX_LINE = 1024;
    private static final int MAX_LITERAL = 1024;
    private static final int MAX_BAD = 5;

    private static GreenMail greenMail;
    private static ProxyServer server;
    private static int port;
    private static final AtomicInteger flakyLookups = new AtomicInteger();

    @BeforeAll
    static void start() {
        greenMail = TestBackend.startGreenMail();
        for (String user : List.of("bob", "carol", "flaky", "dave")) {
            greenMail.setUser(user + "@example.org", user, "pw-" + user);
        }
        int backendPort = TestBackend.imapPort(greenMail);
        int deadPort = TestBackend.closedPort();
        Map<String, String> proxied = Map.of("proxy", "y", "host", "127.0.0.1", "port", "" + backendPort,
                "nopassword", "y");
        PassDb passDb = request -> CompletableFuture.completedFuture(switch (request.user()) {
            case "nobody" -> PassDbResult.notFound();
            case "flaky" -> flakyLookups.getAndIncrement() == 0
                    ? PassDbResult.temporaryFailure("database restarting") : PassDbResult.found(proxied);
            case "down" -> PassDbResult.found(Map.of("proxy", "y", "host", "127.0.0.1", "port", "" + deadPort,
                    "nopassword", "y"));
            case "moved" -> PassDbResult.found(Map.of("host", "imap2.example.org", "port", "1143",
                    "nopassword", "y", "reason", "Your mailbox lives elsewhere now."));
            case "us er@x" -> PassDbResult.found(Map.of("host", "::1", "nopassword", "y"));
            default -> PassDbResult.found(proxied);
        });
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .maxLineLength(MAX_LINE)
                .maxLiteralSize(MAX_LITERAL)
                .maxBadCommands(MAX_BAD)
                .backendConnectTimeout(Duration.ofSeconds(2))
                .authFailureDelay(Duration.ofMillis(200))
                .build()
                .start();
        port = server.port(ImapProtocol.NAME);
    }

    @AfterAll
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            greenMail.stop();
        }
    }

    private static RawImapClient connect() throws IOException {
        RawImapClient client = new RawImapClient(port);
        assertThat(client.readLine()).isEqualTo(
                "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN] mailproxy ready.");
        return client;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void capabilityNoopIdAndLogout() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a CAPABILITY\r\n");
            assertThat(client.readUntilTagged("a")).containsExactly(
                    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN",
                    "a OK Pre-login capabilities listed, post-login capabilities have more.");
            client.send("b NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("b OK NOOP completed.");
            client.send("c ID (\"name\" \"raw\" \"version\" NIL)\r\n");
            assertThat(client.readUntilTagged("c")).containsExactly("* ID (\"name\" \"mailproxy\")", "c OK ID completed.");
            client.send("d STARTTLS\r\n");
            assertThat(client.readLine()).isEqualTo("d BAD STARTTLS is not available.");
            client.send("e LOGOUT\r\n");
            assertThat(client.readUntilTagged("e")).containsExactly("* BYE Logging out.", "e OK Logout completed.");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void loginIsAnsweredWithTheBackendsCapabilitiesThenRelayed() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a1 LOGIN bob pw-bob\r\n");
            String ok = client.tagged("a1");
            assertThat(ok).startsWith("a1 OK [CAPABILITY IMAP4rev1 ").endsWith("] Logged in").contains("IDLE");
            client.send("a2 SELECT INBOX\r\n");
            assertThat(client.tagged("a2")).startsWith("a2 OK");
            client.send("a3 LOGOUT\r\n");
            assertThat(client.readUntilTagged("a3")).anyMatch(l -> l.startsWith("* BYE"));
        }
    }

    @Test
    void loginWithSynchronizingLiterals() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN {3}\r\n");
            assertThat(client.readLine()).isEqualTo("+ Ready for literal data");
            client.send("bob {6}\r\n");
            assertThat(client.readLine()).isEqualTo("+ Ready for literal data");
            client.send("pw-bob\r\n");
            assertThat(client.tagged("a")).startsWith("a OK [CAPABILITY ");
        }
    }

    @Test
    void authenticatePlainWithInitialResponseAndWithContinuation() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a AUTHENTICATE PLAIN " + b64("\0carol\0pw-carol") + "\r\n");
            assertThat(client.tagged("a")).startsWith("a OK [CAPABILITY ");
        }
        try (RawImapClient client = connect()) {
            client.send("a AUTHENTICATE PLAIN\r\n");
            assertThat(client.readLine()).isEqualTo("+ ");
            client.send(b64("\0carol\0pw-carol") + "\r\n");
            assertThat(client.tagged("a")).startsWith("a OK [CAPABILITY ");
        }
    }

    @Test
    void authenticateLogin() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a AUTHENTICATE LOGIN\r\n");
            assertThat(client.readLine()).isEqualTo("+ VXNlcm5hbWU6");
            client.send(b64("dave") + "\r\n");
            assertThat(client.readLine()).isEqualTo("+ UGFzc3dvcmQ6");
            client.send(b64("pw-dave") + "\r\n");
            assertThat(client.tagged("a")).startsWith("a OK [CAPABILITY ");
        }
    }

    @Test
    void cancelledAndMalformedAuthentication() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a AUTHENTICATE PLAIN\r\n");
            assertThat(client.readLine()).isEqualTo("+ ");
            client.send("*\r\n");
            assertThat(client.readLine()).isEqualTo("a BAD Authentication canceled.");
            client.send("b AUTHENTICATE PLAIN !!!\r\n");
            assertThat(client.readLine()).startsWith("b BAD ");
            client.send("c NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("c OK NOOP completed.");
        }
    }

    @Test
    void unknownUserIsAuthenticationFailed() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN nobody secret\r\n");
            assertThat(client.readLine()).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
        }
    }

    @Test
    void backendRefusingThePasswordIsAuthenticationFailedAndTheClientMayRetry() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN bob wrong\r\n");
            assertThat(client.readLine()).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
            client.send("b LOGIN bob pw-bob\r\n");
            assertThat(client.tagged("b")).startsWith("b OK [CAPABILITY ");
        }
    }

    @Test
    void unreachableBackendIsUnavailable() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN down pw\r\n");
            assertThat(client.readLine()).isEqualTo("a NO [UNAVAILABLE] Account is temporarily unavailable.");
            client.send("b NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("b OK NOOP completed.");
        }
    }

    @Test
    void passDbTemporaryFailureThenSuccessOnTheSameConnection() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN flaky pw-flaky\r\n");
            assertThat(client.readLine()).startsWith("a NO [UNAVAILABLE] ").doesNotContain("database");
            client.send("b LOGIN flaky pw-flaky\r\n");
            assertThat(client.tagged("b")).startsWith("b OK [CAPABILITY ");
        }
    }

    @Test
    void nonPlaintextMechanismIsRefused() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a AUTHENTICATE CRAM-MD5\r\n");
            assertThat(client.readLine()).isEqualTo("a NO Unsupported authentication mechanism.");
        }
    }

    @Test
    void referralNamesTheOtherServer() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN moved pw\r\n");
            assertThat(client.readLine()).isEqualTo(
                    "a NO [REFERRAL imap://moved;AUTH=*@imap2.example.org:1143/] Your mailbox lives elsewhere now.");
            client.send("b LOGIN \"us er@x\" pw\r\n");
            assertThat(client.readLine()).isEqualTo(
                    "b NO [REFERRAL imap://us%20er%40x;AUTH=*@[::1]/] Try this server instead.");
        }
    }

    @Test
    void badSyntaxGetsBad() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN \"unterminated\r\n");
            assertThat(client.readLine()).startsWith("a BAD Error in IMAP command");
            client.send("b SELECT INBOX\r\n");
            assertThat(client.readLine()).isEqualTo("b BAD Command unknown or not allowed before login.");
            client.send("c NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("c OK NOOP completed.");
        }
    }

    @Test
    void overLongLineGetsBad() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN bob " + "x".repeat(MAX_LINE * 4) + "\r\n");
            assertThat(client.readLine()).isEqualTo("a BAD Command line too long.");
            client.send("b NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("b OK NOOP completed.");
        }
    }

    @Test
    void overBigLiteralIsRefusedBeforeItIsSent() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("a LOGIN bob {" + (MAX_LITERAL + 1) + "}\r\n");
            // no "+ Ready": the client never sends the literal
            assertThat(client.readLine()).isEqualTo("a BAD [TOOBIG] Literal too large.");
            client.send("b LOGIN bob {" + (MAX_LITERAL * 10) + "+}\r\n" + "x".repeat(MAX_LITERAL * 10) + "\r\nc NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("b BAD [TOOBIG] Literal too large.");
            assertThat(client.readLine()).isEqualTo("c OK NOOP completed.");
        }
    }

    @Test
    void tooManyErrorsEndWithBye() throws IOException {
        try (RawImapClient client = connect()) {
            for (int i = 1; i < MAX_BAD; i++) {
                client.send("x" + i + " BOGUS\r\n");
                assertThat(client.readLine()).startsWith("x" + i + " BAD ");
            }
            client.send("last BOGUS\r\n");
            assertThat(client.readLine()).startsWith("last BAD ");
            assertThat(client.readLine()).isEqualTo("* BYE Too many invalid commands.");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrderAcrossTheLogin() throws IOException {
        try (RawImapClient client = connect()) {
            client.send("p1 NOOP\r\np2 CAPABILITY\r\np3 LOGIN bob pw-bob\r\np4 SELECT INBOX\r\np5 LOGOUT\r\n");
            List<String> lines = client.readUntilTagged("p5");
            List<String> tagged = lines.stream().filter(l -> l.startsWith("p")).toList();
            assertThat(tagged).hasSize(5);
            assertThat(tagged.get(0)).isEqualTo("p1 OK NOOP completed.");
            assertThat(tagged.get(1)).startsWith("p2 OK");
            assertThat(tagged.get(2)).startsWith("p3 OK [CAPABILITY ");
            assertThat(tagged.get(3)).startsWith("p4 OK");
            assertThat(tagged.get(4)).startsWith("p5 OK");
        }
    }
}
