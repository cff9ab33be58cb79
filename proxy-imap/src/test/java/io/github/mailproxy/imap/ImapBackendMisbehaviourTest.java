package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.RudeBackend;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * A backend that misbehaves during the login (a 200 KB greeting, garbage without a line end, a
 * greeting that is no IMAP, closing early or mid-login) costs the client one tagged
 * {@code NO [UNAVAILABLE]}, never a bare end of stream; the proxy logs the backend's address, the
 * client may go on, and nothing is left open.
 */
class ImapBackendMisbehaviourTest {

    private static final String UNAVAILABLE = "NO [UNAVAILABLE] Account is temporarily unavailable.";

    private static ProxyServer server;
    /** Where each user is routed. */
    private static final Map<String, Integer> routes = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        server = proxy(ProxyServer.builder());
    }

    static ProxyServer proxy(ProxyServer.Builder builder) {
        return builder
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                        "host", "127.0.0.1", "port", String.valueOf(routes.getOrDefault(request.user(), 1)),
                        "nopassword", "y"))))
                .authFailureDelay(Duration.ZERO)
                // bounds the greeting and login too, as Dovecot's proxy_timeout
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

    /** Logs in through {@code proxy} to {@code backend}, expects the tagged temporary failure, then goes on. */
    private static void expectUnavailable(ProxyServer proxy, RudeBackend backend) throws IOException {
        routes.put("bob", backend.port());
        try (LogCapture log = new LogCapture(); RawImapClient client = new RawImapClient(proxy.port(ImapProtocol.NAME))) {
            assertThat(client.readLine()).startsWith("* OK [CAPABILITY ");
            client.send("a LOGIN bob pw\r\n");
            assertThat(client.readLine()).isEqualTo("a " + UNAVAILABLE);
            client.send("b NOOP\r\n");
            assertThat(client.readLine()).as("the client may go on").isEqualTo("b OK NOOP completed.");
            Await.until("a log line naming the backend", Duration.ofSeconds(5),
                    () -> log.text().contains("backend=127.0.0.1:" + backend.port()));
            client.send("c LOGOUT\r\n");
            assertThat(client.tagged("c")).isEqualTo("c OK Logout completed.");
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
            if (c.sendUnlessHungUp("* OK ", "x".repeat(200 * 1024), "\r\n")) {
                c.awaitEndOfStream();
            }
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aLongBackendLineIsATemporaryFailureWhateverTheClientLineBound() throws IOException {
        // the core buffers maxLineLength + maxLiteralSize of one line; the backend login's own bound must stay under it
        ProxyServer small = proxy(ProxyServer.builder().maxLineLength(1024).maxLiteralSize(1024));
        try (RudeBackend backend = RudeBackend.serve(c -> {
            if (c.sendUnlessHungUp("* OK [CAPABILITY IMAP4rev1 " + "X".repeat(100 * 1024) + "] hi\r\n")) {
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
            c.awaitEndOfStream();  // silent from here: only the proxy's timeout ends this
        })) {
            expectUnavailable(server, backend);
        }
    }

    @Test
    void aGreetingThatIsNoImapIsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("SSH-2.0-OpenSSH_9.6\r\n");
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
        CompletableFuture<String> login = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            login.complete(c.readLineText());
        })) {
            expectUnavailable(server, backend);
        }
        assertThat(login).isCompletedWithValue("mp1 LOGIN \"bob\" \"pw\"");
    }

    @Test
    void aBackendClosingMidReplyLineIsATemporaryFailure() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            c.readLineBytes();
            c.send("mp1 OK [CAPAB".getBytes(StandardCharsets.US_ASCII));
        })) {
            expectUnavailable(server, backend);
        }
    }
}
