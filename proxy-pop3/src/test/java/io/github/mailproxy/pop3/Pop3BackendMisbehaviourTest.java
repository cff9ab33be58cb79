package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.RudeBackend;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A POP3 backend that misbehaves during the login (a 200 KB greeting, garbage without a line end, a
 * greeting that is no POP3, closing early or mid-login) costs the client one
 * {@code -ERR [SYS/TEMP]}, never a bare end of stream; the proxy logs the backend's address, the
 * client may go on, and nothing is left open.
 */
class Pop3BackendMisbehaviourTest {

    private static final String UNAVAILABLE = "-ERR [SYS/TEMP] Account is temporarily unavailable.";

    private static ProxyServer server;
    private static final Map<String, Integer> routes = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        server = proxy(ProxyServer.builder());
    }

    static ProxyServer proxy(ProxyServer.Builder builder) {
        return builder
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                        "host", "127.0.0.1", "port", String.valueOf(routes.getOrDefault(request.user(), 1)),
                        "nopassword", "y"))))
                .authFailureDelay(Duration.ZERO)
                .backendConnectTimeout(Duration.ofSeconds(2))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
        }
    }

    @AfterEach
    void nothingLeaked() {
        LeakCheck.assertNothingLeaked(server);
        routes.clear();
    }

    private static void expectUnavailable(ProxyServer proxy, RudeBackend backend) {
        routes.put("bob", backend.port());
        try (LogCapture log = new LogCapture(); PopClient client = PopClient.connect(proxy.port(Pop3Protocol.NAME))) {
            assertThat(client.readLine()).startsWith("+OK ");
            assertThat(client.command("USER bob")).isEqualTo("+OK");
            assertThat(client.command("PASS pw")).isEqualTo(UNAVAILABLE);
            assertThat(client.command("NOOP")).as("the client may go on").isEqualTo("-ERR Not logged in.");
            Await.until("a log line naming the backend", Duration.ofSeconds(5),
                    () -> log.text().contains("backend=127.0.0.1:" + backend.port()));
            assertThat(client.command("QUIT")).isEqualTo("+OK Logging out.");
        }
        backend.finish();
        LeakCheck.assertNothingLeaked(proxy);
    }

    private static byte[] repeat(char c, int n) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }

    @Test
    void aGreetingOf200KilobytesIsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            if (c.sendUnlessHungUp("+OK ", "x".repeat(200 * 1024), "\r\n")) {
                c.awaitEndOfStream();
            }
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aLongBackendLineIsATemporaryFailureWhateverTheClientLineBound() throws IOException {
        ProxyServer small = proxy(ProxyServer.builder().maxLineLength(512).maxLiteralSize(512));
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("+OK ready\r\n");
            c.readLineBytes();  // CAPA
            if (c.sendUnlessHungUp("+OK\r\nSASL " + "X".repeat(100 * 1024) + "\r\n.\r\n")) {
                c.awaitEndOfStream();
            }
        })) {
            expectUnavailable(small, backend);
        } finally {
            small.close();
        }
    }

    @Test
    void garbageWithoutALineEndIsATemporaryFailureAtTheBackendTimeout() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send(repeat('z', 1024));
            c.awaitEndOfStream();
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aGreetingThatIsNoPop3IsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] an IMAP server\r\n");
            c.awaitEndOfStream();
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aBackendClosingBeforeItsGreetingIsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            // closed at once by returning
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aBackendClosingMidLoginIsATemporaryFailure() throws IOException {
        CompletableFuture<String> user = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("+OK ready\r\n");
            c.readLineBytes();  // CAPA
            c.send("+OK\r\nUSER\r\n.\r\n");
            user.complete(c.readLineText());
        })) {
            expectUnavailable(server, backend);
        }
        assertThat(user).isCompletedWithValue("USER bob");
    }
}
