package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.user.GreenMailUser;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Raw-socket conversations with the proxy on a plain listener, GreenMail behind it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pop3ConversationTest {

    private static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed.";

    private GreenMailBackend backend;
    private ProxyServer server;
    private GreenMailUser alice;
    private int port;
    private int deadPort;

    @BeforeAll
    void start() throws IOException {
        backend = new GreenMailBackend();
        alice = backend.user("alice", "alicepw");
        backend.user("bob", "pass with  spaces ");
        backend.user("carol", "carolpw");
        alice.deliver(GreenMailBackend.message("alice@example.org", "first", "Hello Alice.\r\n.leading dot\r\n"));
        alice.deliver(GreenMailBackend.message("alice@example.org", "second", "Second message."));
        try (ServerSocket unused = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = unused.getLocalPort(); // closed below: connecting there is refused
        }
        PassDb passDb = request -> CompletableFuture.completedFuture(switch (request.user()) {
            case "tempfail" -> PassDbResult.temporaryFailure("database down");
            case "down" -> found("proxy", "y", "host", "127.0.0.1", "port", String.valueOf(deadPort), "nopassword", "y");
            case "suspended" -> found("nologin", "y", "reason", "Account suspended.");
            case "elsewhere" -> found("host", "192.0.2.1", "nopassword", "y");
            default -> found("proxy", "y", "host", "127.0.0.1", "port", String.valueOf(backend.port()), "nopassword", "y");
        });
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .maxLineLength(300)
                .maxBadCommands(4)
                .authFailureDelay(Duration.ZERO)
                .eventLoops(2)
                .build()
                .start();
        port = server.port(Pop3Protocol.NAME);
    }

    private static PassDbResult found(String... pairs) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            fields.put(pairs[i], pairs[i + 1]);
        }
        return PassDbResult.found(fields);
    }

    @AfterAll
    void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            backend.close();
        }
    }

    private PopClient connect() {
        PopClient client = PopClient.connect(port);
        assertThat(client.readLine()).isEqualTo("+OK mailproxy ready.");
        return client;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void capaBeforeLoginListsTheProxysOwnCapabilities() {
        try (PopClient c = connect()) {
            assertThat(c.command("CAPA")).startsWith("+OK");
            assertThat(c.readMultiline())
                    .containsExactly("TOP", "UIDL", "USER", "SASL PLAIN LOGIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING");
        }
    }

    @Test
    void userPassLogsInAndRelays() {
        try (PopClient c = connect()) {
            assertThat(c.command("USER alice")).isEqualTo("+OK");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
            assertThat(c.command("STAT")).matches("\\+OK 2 \\d+");
            assertThat(c.command("QUIT")).startsWith("+OK");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void passwordIsTheRestOfTheLine() {
        try (PopClient c = connect()) {
            assertThat(c.command("USER bob")).isEqualTo("+OK");
            assertThat(c.command("PASS pass with  spaces ")).startsWith("+OK");
            assertThat(c.command("STAT")).isEqualTo("+OK 0 0");
        }
    }

    @Test
    void pipelinedLoginAndCommandsGetWhatTheBackendSends() {
        String commands = "STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 0\r\nNOOP\r\nQUIT\r\n";
        byte[] proxied;
        byte[] direct;
        try (PopClient c = connect()) {
            c.send("USER alice\r\nPASS alicepw\r\n" + commands);
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.readLine()).startsWith("+OK");
            proxied = readToEnd(c);
        }
        try (PopClient d = PopClient.connect(backend.port())) {
            assertThat(d.readLine()).startsWith("+OK");
            d.send("USER alice\r\nPASS alicepw\r\n");
            assertThat(d.readLine()).startsWith("+OK");
            assertThat(d.readLine()).startsWith("+OK");
            d.send(commands);
            direct = readToEnd(d);
        }
        assertThat(new String(proxied, StandardCharsets.UTF_8)).startsWith("+OK 2 ").contains("Hello Alice.");
        assertThat(proxied).isEqualTo(direct);
    }

    private static byte[] readToEnd(PopClient c) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] line;
        while ((line = c.readLineBytes()) != null) {
            all.writeBytes(line);
        }
        return all.toByteArray();
    }

    @Test
    void retrIsByteForByteTheBackends() {
        byte[] proxied;
        byte[] direct;
        try (PopClient c = connect()) {
            c.command("USER alice");
            c.command("PASS alicepw");
            c.send("RETR 1\r\n");
            proxied = c.readMultilineBytes();
        }
        try (PopClient d = PopClient.connect(backend.port())) {
            d.readLine();
            d.command("USER alice");
            d.command("PASS alicepw");
            d.send("RETR 1\r\n");
            direct = d.readMultilineBytes();
        }
        assertThat(new String(proxied, StandardCharsets.UTF_8)).contains("\r\n..leading dot\r\n");
        assertThat(proxied).isEqualTo(direct);
    }

    @Test
    void wrongPasswordMayBeRetried() {
        try (PopClient c = connect()) {
            c.command("USER alice");
            assertThat(c.command("PASS wrong")).isEqualTo(AUTH_FAILED);
            assertThat(c.command("USER alice")).isEqualTo("+OK");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void userUnknownAtTheBackendFails() {
        try (PopClient c = connect()) {
            c.command("USER nobody");
            assertThat(c.command("PASS x")).isEqualTo(AUTH_FAILED);
        }
    }

    @Test
    void passWithoutUserIsAnError() {
        try (PopClient c = connect()) {
            assertThat(c.command("PASS alicepw")).isEqualTo("-ERR No username given.");
        }
    }

    @Test
    void bareAuthListsMechanisms() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH")).isEqualTo("+OK");
            assertThat(c.readMultiline()).containsExactly("PLAIN", "LOGIN");
        }
    }

    @Test
    void authPlainWithInitialResponse() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH PLAIN " + b64("\0alice\0alicepw"))).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void authPlainWithContinuation() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.command(b64("\0alice\0alicepw"))).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void authLoginWithContinuations() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH LOGIN")).isEqualTo("+ VXNlcm5hbWU6");
            assertThat(c.command(b64("alice"))).isEqualTo("+ UGFzc3dvcmQ6");
            assertThat(c.command(b64("alicepw"))).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void authLoginWithInitialResponse() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH LOGIN " + b64("alice"))).isEqualTo("+ UGFzc3dvcmQ6");
            assertThat(c.command(b64("wrong"))).isEqualTo(AUTH_FAILED);
        }
    }

    @Test
    void starCancelsAuth() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.command("*")).isEqualTo("-ERR Authentication cancelled.");
            assertThat(c.command("AUTH LOGIN")).isEqualTo("+ VXNlcm5hbWU6");
            assertThat(c.command("*")).isEqualTo("-ERR Authentication cancelled.");
            assertThat(c.command("USER alice")).isEqualTo("+OK");
        }
    }

    @Test
    void badSaslResponseAndUnknownMechanism() {
        try (PopClient c = connect()) {
            assertThat(c.command("AUTH PLAIN !!!")).isEqualTo("-ERR Invalid SASL response.");
            assertThat(c.command("AUTH CRAM-MD5")).isEqualTo("-ERR Unsupported authentication mechanism.");
        }
    }

    @Test
    void stlsOnAPlainListenerIsRefused() {
        try (PopClient c = connect()) {
            assertThat(c.command("STLS")).isEqualTo("-ERR STLS is not available.");
        }
    }

    @Test
    void transactionCommandsAndUnknownCommandsBeforeLoginAreErrors() {
        try (PopClient c = connect()) {
            assertThat(c.command("NOOP")).isEqualTo("-ERR Not logged in.");
            assertThat(c.command("RETR 1")).isEqualTo("-ERR Not logged in.");
            assertThat(c.command("HELO x")).isEqualTo("-ERR Unknown command.");
            assertThat(c.command("CAPA")).startsWith("+OK");
        }
    }

    @Test
    void quitBeforeLoginSaysGoodbye() {
        try (PopClient c = connect()) {
            assertThat(c.command("QUIT")).isEqualTo("+OK Logging out.");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void overLongLineIsRefusedAndSkipped() {
        try (PopClient c = connect()) {
            c.send("USER " + "a".repeat(100_000) + "\r\nUSER alice\r\n");
            assertThat(c.readLine()).isEqualTo("-ERR Line too long.");
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
        }
    }

    @Test
    void lineAtTheBoundIsAccepted() {
        try (PopClient c = connect()) {
            assertThat(c.command("USER " + "u".repeat(295))).isEqualTo("+OK");
            assertThat(c.command("PASS " + "p".repeat(296))).isEqualTo("-ERR Line too long.");
        }
    }

    @Test
    void tooManyErrorsDisconnect() {
        try (PopClient c = connect()) {
            c.send("FOO\r\nBAR\r\nNOOP\r\nSTAT\r\nCAPA\r\n");
            assertThat(List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine())).containsExactly(
                    "-ERR Unknown command.", "-ERR Unknown command.", "-ERR Not logged in.", "-ERR Not logged in.",
                    "-ERR Too many invalid commands.");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void lineBreakInjectionIsRefused() {
        try (PopClient c = connect()) {
            assertThat(c.command("USER alice\rDELE 1")).isEqualTo("-ERR Invalid characters in command.");
            // refused as a failed login, after the failure delay (zero here), as IMAP does
            assertThat(c.command("AUTH PLAIN " + b64("\0alice\r\nDELE 1\0alicepw"))).isEqualTo("-ERR [AUTH] Authentication failed.");
        }
        assertThat(backend.messageCount(alice)).isEqualTo(2);
    }

    @Test
    void binaryGarbageGetsErrorsNotACrash() {
        byte[] garbage = new byte[512];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 37);
        }
        try (PopClient c = connect()) {
            c.send(garbage);
            c.send("\r\n");
            String reply = c.readLine();
            assertThat(reply).startsWith("-ERR");
            assertThat(reply).doesNotContain(new String(garbage, 0, 8, StandardCharsets.ISO_8859_1));
        }
        try (PopClient c = connect()) {
            assertThat(c.command("CAPA")).startsWith("+OK");
        }
    }

    @Test
    void backendDownIsTemporaryAndTheClientMayRetry() {
        try (PopClient c = connect()) {
            c.command("USER down");
            assertThat(c.command("PASS x")).isEqualTo("-ERR [SYS/TEMP] Account is temporarily unavailable.");
            c.command("USER alice");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
        }
    }

    @Test
    void passDbFailureIsTemporary() {
        try (PopClient c = connect()) {
            c.command("USER tempfail");
            assertThat(c.command("PASS x")).isEqualTo("-ERR [SYS/TEMP] Temporary authentication failure.");
        }
    }

    @Test
    void disabledLoginShowsTheReason() {
        try (PopClient c = connect()) {
            c.command("USER suspended");
            assertThat(c.command("PASS x")).isEqualTo("-ERR [AUTH] Account suspended.");
        }
    }

    @Test
    void referralIsRefusedBecausePop3HasNone() {
        try (PopClient c = connect()) {
            c.command("USER elsewhere");
            assertThat(c.command("PASS x")).isEqualTo("-ERR [AUTH] Login is not possible on this server.");
        }
    }

    @Test
    void deleAndRsetKeepTheMessageWhileDeleAndQuitRemoveIt() {
        GreenMailUser carol = backend.user("carol", "carolpw");
        carol.deliver(GreenMailBackend.message("carol@example.org", "keep", "k"));
        carol.deliver(GreenMailBackend.message("carol@example.org", "drop", "d"));
        try (PopClient c = connect()) {
            c.send("USER carol\r\nPASS carolpw\r\nDELE 1\r\nRSET\r\nQUIT\r\n");
            for (int i = 0; i < 5; i++) {
                assertThat(c.readLine()).startsWith("+OK");
            }
        }
        assertThat(backend.messageCount(carol)).isEqualTo(2);
        try (PopClient c = connect()) {
            c.send("USER carol\r\nPASS carolpw\r\nDELE 2\r\nQUIT\r\n");
            for (int i = 0; i < 4; i++) {
                assertThat(c.readLine()).startsWith("+OK");
            }
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.messageCount(carol)).isEqualTo(1);
    }

    @Test
    void clientLeavingMidLoginLeavesNothingBehind() {
        try (PopClient c = connect()) {
            c.send("USER alice\r\nPASS alicepw\r\n");
        }
        try (PopClient c = connect()) {
            c.send("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("+ ");
        }
        LeakCheck.assertNothingLeaked(server);
    }

    @Test
    void passwordRefusedByTheBackendIsAnsweredAfterTheFailureDelay() {
        Duration delay = Duration.ofMillis(400);
        try (ProxyServer delayed = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(io.github.mailproxy.StaticPassDb.parse(
                        "proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y"))
                .authFailureDelay(delay)
                .eventLoops(1)
                .build()
                .start();
             PopClient c = PopClient.connect(delayed.port(Pop3Protocol.NAME))) {
            c.readLine();
            c.command("USER alice");
            long start = System.nanoTime();
            assertThat(c.command("PASS wrong")).isEqualTo(AUTH_FAILED);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay);
            c.command("USER alice");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
            c.close();
            LeakCheck.assertNothingLeaked(delayed);
        }
    }
}
