package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.RudeBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults of either side around an IMAP login, each answered with the right reply and leaving every
 * counter where it was: the proxy's sessions, backend connections and buffers, and the JVM's file
 * descriptors (the proxy runs in this JVM).
 */
class ImapFaultsTest {

    private static final String UNAVAILABLE = "NO [UNAVAILABLE] Account is temporarily unavailable.";

    private static GreenMail greenMail;
    private static ProxyServer server;
    private static int port;
    /** Where each user is routed; users not in here go to GreenMail. */
    private static final Map<String, Integer> routes = new ConcurrentHashMap<>();

    private FileDescriptors.Snapshot baseline;

    @BeforeAll
    static void start() throws IOException {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        int greenMailPort = TestBackend.imapPort(greenMail);
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                        "host", "127.0.0.1", "port", String.valueOf(routes.getOrDefault(request.user(), greenMailPort)),
                        "nopassword", "y"))))
                .authFailureDelay(Duration.ZERO)
                .backendConnectTimeout(Duration.ofSeconds(30))
                .build()
                .start();
        port = server.port(ImapProtocol.NAME);
        // one complete session first, so that whatever the JVM opens once and keeps (class files in
        // jars, GreenMail's threads) is in every test's baseline
        try (RawImapClient client = new RawImapClient(port)) {
            client.readLine();
            client.send("a LOGIN bob pw-bob\r\nb LOGOUT\r\n");
            client.tagged("b");
        }
        LeakCheck.assertNothingLeaked(server);
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

    @BeforeEach
    void takeBaseline() {
        baseline = FileDescriptors.snapshot();
    }

    @AfterEach
    void nothingLeaked() {
        LeakCheck.assertNothingLeaked(server);
        FileDescriptors.assertBackTo(baseline);
        routes.clear();
    }

    /** Resets the connection (RST), the way a client that crashed or lost its network goes. */
    private static void vanish(RawImapClient client) throws IOException {
        client.resetOnClose();
        client.close();
    }

    @Test
    void aClientVanishingMidLiteralLeavesNothingBehind() throws IOException {
        try (RawImapClient client = new RawImapClient(port)) {
            assertThat(client.readLine()).startsWith("* OK [CAPABILITY ");
            client.send("a LOGIN {5}\r\n");
            assertThat(client.readLine()).isEqualTo("+ Ready for literal data");
            client.send("bo");
            vanish(client);
        }
        try (RawImapClient client = new RawImapClient(port)) {
            client.readLine();
            client.send("a LOGIN bob {6}\r\n");
            assertThat(client.readLine()).isEqualTo("+ Ready for literal data");
            client.send("pw-");
            vanish(client);
        }
        LeakCheck.assertNothingLeaked(server);
        FileDescriptors.assertBackTo(baseline);
        try (RawImapClient client = new RawImapClient(port)) {
            client.readLine();
            client.send("a LOGIN bob {6}\r\n");
            assertThat(client.readLine()).isEqualTo("+ Ready for literal data");
            client.send("pw-bob\r\n");
            assertThat(client.tagged("a")).as("the proxy still serves").startsWith("a OK ");
        }
    }

    @Test
    void aBackendHalfClosingMidLoginIsATemporaryFailureAndTheClientMayGoOn() throws IOException {
        CompletableFuture<String> sentToBackend = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] scripted ready\r\n");
            sentToBackend.complete(c.readLine());
            c.halfClose();
            c.awaitEndOfStream();
        })) {
            routes.put("rude", backend.port());
            try (RawImapClient client = new RawImapClient(port)) {
                client.readLine();
                client.send("a LOGIN rude pw\r\n");
                assertThat(client.readLine()).isEqualTo("a " + UNAVAILABLE);
                backend.finish();  // it saw the proxy close its side
                client.send("b NOOP\r\n");
                assertThat(client.readLine()).isEqualTo("b OK NOOP completed.");
                client.send("c LOGIN bob pw-bob\r\n");
                assertThat(client.tagged("c")).as("a retry reaches another backend").startsWith("c OK ");
            }
            assertThat(sentToBackend).isCompletedWithValue("mp1 LOGIN \"rude\" \"pw\"");
        }
    }

    @Test
    void aBackendHalfClosingMidSessionEndsTheClientSessionAfterItsLastBytes() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] scripted ready\r\n");
            c.readLine();
            c.send("mp1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
            assertThat(c.readLine()).isEqualTo("b NOOP");
            c.send("* BYE going away\r\nb OK NOOP completed.\r\n");
            c.halfClose();
            c.awaitEndOfStream();
        })) {
            routes.put("rude", backend.port());
            try (RawImapClient client = new RawImapClient(port)) {
                client.readLine();
                client.send("a LOGIN rude pw\r\n");
                assertThat(client.readLine()).isEqualTo("a OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
                client.send("b NOOP\r\n");
                assertThat(client.readLine()).isEqualTo("* BYE going away");
                assertThat(client.readLine()).isEqualTo("b OK NOOP completed.");
                assertThat(client.readLine()).as("the backend's end reaches the client").isNull();
            }
            backend.finish();
        }
    }

    @Test
    void aRefusingBackendIsATemporaryFailureAndTheClientMayGoOn() throws IOException {
        routes.put("down", TestBackend.closedPort());
        try (RawImapClient client = new RawImapClient(port)) {
            client.readLine();
            client.send("a LOGIN down pw\r\n");
            assertThat(client.readLine()).isEqualTo("a " + UNAVAILABLE);
            client.send("b LOGOUT\r\n");
            assertThat(client.readLine()).isEqualTo("* BYE Logging out.");
            assertThat(client.readLine()).isEqualTo("b OK Logout completed.");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aClientVanishingWhileTheBackendLoginRunsClosesTheBackendConnection() throws Exception {
        CompletableFuture<String> loginSeen = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] scripted ready\r\n");
            loginSeen.complete(c.readLine());
            c.awaitEndOfStream();  // never answers: only the client's going away may end this
        })) {
            routes.put("stalled", backend.port());
            try (RawImapClient client = new RawImapClient(port)) {
                client.readLine();
                client.send("a LOGIN stalled pw\r\n");
                assertThat(loginSeen.get(10, TimeUnit.SECONDS)).startsWith("mp1 LOGIN ");
                vanish(client);
            }
            backend.finish();
        }
    }

    @Test
    void aBackendResettingMidSessionEndsTheClientSession() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] scripted ready\r\n");
            c.readLine();
            c.send("mp1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
            c.readLine();
            c.reset();
        })) {
            routes.put("rude", backend.port());
            try (RawImapClient client = new RawImapClient(port)) {
                client.readLine();
                client.send("a LOGIN rude pw\r\n");
                assertThat(client.readLine()).startsWith("a OK ");
                client.send("b SELECT INBOX\r\n");
                assertThat(readEndOrReset(client)).isTrue();
            }
            backend.finish();
        }
    }

    /** @return whether the connection ended (cleanly or by a reset) without another line */
    private static boolean readEndOrReset(RawImapClient client) throws IOException {
        try {
            return client.readLine() == null;
        } catch (java.net.SocketException e) {
            return true;  // the proxy may pass the reset on
        }
    }
}
