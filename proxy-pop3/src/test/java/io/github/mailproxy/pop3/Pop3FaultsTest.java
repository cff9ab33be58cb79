package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.RudeBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * Faults of either side around a POP3 login, each answered with the right reply and leaving every
 * counter where it was: the proxy's sessions, backend connections and buffers, and the JVM's file
 * descriptors (the proxy runs in this JVM).
 */
class Pop3FaultsTest {

    private static final String SYS_TEMP = "-ERR [SYS/TEMP] Account is temporarily unavailable.";

    private static GreenMailBackend greenMail;
    private static ProxyServer server;
    private static int port;
    /** Where each user is routed; users not in here go to GreenMail. */
    private static final Map<String, Integer> routes = new ConcurrentHashMap<>();

    private FileDescriptors.Snapshot baseline;

    @BeforeAll
    static void start() {
        greenMail = new GreenMailBackend();
        greenMail.user("bob", "pw-bob");
        int greenMailPort = greenMail.port();
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                        "host", "127.0.0.1", "port", String.valueOf(routes.getOrDefault(request.user(), greenMailPort)),
                        "nopassword", "y"))))
                .authFailureDelay(Duration.ZERO)
                .backendConnectTimeout(Duration.ofSeconds(30))
                .build()
                .start();
        port = server.port(Pop3Protocol.NAME);
        // one complete session first, so that whatever the JVM opens once and keeps is in every baseline
        try (PopClient c = PopClient.connect(port)) {
            c.readLine();
            c.command("USER bob");
            assertThat(c.command("PASS pw-bob")).startsWith("+OK");
            c.command("QUIT");
        }
        LeakCheck.assertNothingLeaked(server);
    }

    @AfterAll
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            greenMail.close();
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

    /** The start of a POP3 backend's login as the proxy drives it for an untrusted backend. */
    private static String greetAndAnswerCapa(RudeBackend.Connection c) throws IOException {
        c.send("+OK scripted ready\r\n");
        assertThat(c.readLine()).isEqualTo("CAPA");
        c.send("+OK\r\nUSER\r\n.\r\n");
        return c.readLine();
    }

    @Test
    void aBackendHalfClosingMidLoginIsATemporaryFailureAndTheClientMayGoOn() throws IOException {
        CompletableFuture<String> userSeen = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            userSeen.complete(greetAndAnswerCapa(c));
            c.halfClose();
            c.awaitEndOfStream();
        })) {
            routes.put("rude", backend.port());
            try (PopClient c = PopClient.connect(port)) {
                assertThat(c.readLine()).isEqualTo(Pop3ClientHandler.GREETING);
                assertThat(c.command("USER rude")).isEqualTo("+OK");
                assertThat(c.command("PASS pw")).isEqualTo(SYS_TEMP);
                backend.finish();  // it saw the proxy close its side
                assertThat(c.command("USER bob")).isEqualTo("+OK");
                assertThat(c.command("PASS pw-bob")).as("a retry reaches another backend").startsWith("+OK");
                assertThat(c.command("QUIT")).startsWith("+OK");
            }
            assertThat(userSeen).isCompletedWithValue("USER rude");
        }
    }

    @Test
    void aBackendHalfClosingBeforeItsGreetingIsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.halfClose();
            c.awaitEndOfStream();
        })) {
            routes.put("rude", backend.port());
            try (PopClient c = PopClient.connect(port)) {
                c.readLine();
                c.command("USER rude");
                assertThat(c.command("PASS pw")).isEqualTo(SYS_TEMP);
                assertThat(c.command("QUIT")).isEqualTo("+OK Logging out.");
                assertThat(c.closedByPeer()).isTrue();
            }
            backend.finish();
        }
    }

    @Test
    void aRefusingBackendIsATemporaryFailure() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        routes.put("down", closed);
        try (PopClient c = PopClient.connect(port)) {
            c.readLine();
            c.command("USER down");
            assertThat(c.command("PASS pw")).isEqualTo(SYS_TEMP);
            assertThat(c.command("QUIT")).isEqualTo("+OK Logging out.");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void aClientVanishingMidCommandLeavesNothingBehind() {
        try (PopClient c = PopClient.connect(port)) {
            c.readLine();
            assertThat(c.command("USER bob")).isEqualTo("+OK");
            c.send("PASS pw-");
            c.resetOnClose();
        }
        LeakCheck.assertNothingLeaked(server);
        FileDescriptors.assertBackTo(baseline);
    }

    @Test
    void aClientVanishingWhileTheBackendLoginRunsClosesTheBackendConnection() throws Exception {
        CompletableFuture<String> userSeen = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            userSeen.complete(greetAndAnswerCapa(c));
            c.awaitEndOfStream();  // never answers: only the client's going away may end this
        })) {
            routes.put("stalled", backend.port());
            try (PopClient c = PopClient.connect(port)) {
                c.readLine();
                c.command("USER stalled");
                c.send("PASS pw\r\n");
                assertThat(userSeen.get(10, TimeUnit.SECONDS)).isEqualTo("USER stalled");
                c.resetOnClose();
            }
            backend.finish();
        }
    }
}
