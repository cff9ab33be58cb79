package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyServer#close()} with sessions in every state: each is reported with outcome
 * {@code SHUTDOWN}, and a normal close logs nothing at WARN or ERROR (the refusal counts it writes
 * last are at INFO).
 */
class ShutdownTest {

    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    @Test
    void closeCutsSessionsInEveryStateAsShutdownAndLogsNoWarning() throws Exception {
        ServerSocket echo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));  // accepts, never greets
        resources.add(echo);
        resources.add(silent);
        Thread acceptor = new Thread(() -> serveEcho(echo), "echo-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        PassDb passDb = request -> switch (request.user()) {
            case "stuck" -> new CompletableFuture<>();  // a PassDb that never answers
            case "nobody" -> CompletableFuture.completedFuture(PassDbResult.notFound());
            case "slow" -> found(silent.getLocalPort());
            default -> found(echo.getLocalPort());
        };
        ProxyServer server = ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.PLAIN, null))
                .passDb(passDb).sessionListener(events::add).eventLoops(2)
                .authFailureDelay(Duration.ofSeconds(20)).shutdownTimeout(Duration.ofMillis(500)).build().start();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port("line"));
        client(address);  // logging in, idle
        LineClient relayed = client(address);
        LineClient waitingForPassDb = client(address);
        LineClient waitingForBackend = client(address);
        LineClient waitingOutTheFailureDelay = client(address);
        assertThat(relayed.command("LOGIN alice secret")).isEqualTo("OK WELCOME");
        assertThat(relayed.command("PING")).isEqualTo("PING");
        waitingForPassDb.send("LOGIN stuck secret\r\n");
        waitingForBackend.send("LOGIN slow secret\r\n");
        waitingOutTheFailureDelay.send("LOGIN nobody secret\r\n");
        Await.until("the logins to be under way", Duration.ofSeconds(5),
                () -> server.stats().openBackendConnections() == 2);

        String log;
        try (LogCapture capture = new LogCapture()) {
            server.close();
            log = capture.text();
        }

        assertThat(server.stats().openSessions()).isZero();
        assertThat(events).hasSize(5).allSatisfy(e -> assertThat(e.outcome()).as(e.user())
                .isEqualTo(SessionEvent.Outcome.SHUTDOWN));
        assertThat(log.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList())
                .as("WARN and ERROR lines logged by close()").isEmpty();
    }

    @Test
    void refusalsCountedSinceTheLastSummaryAreWrittenAtInfoWhenTheServerCloses() throws Exception {
        ProxyServer server = ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.PLAIN, null))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.notFound()))
                .maxConnections(1).build().start();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port("line"));
        client(address);
        for (int i = 0; i < 3; i++) {
            try (LineClient refused = LineClient.connect("127.0.0.1", address)) {
                assertThat(refused.line()).isEqualTo("BUSY");  // the first is logged at once, two are counted
            }
        }

        String log;
        try (LogCapture capture = new LogCapture()) {
            server.close();
            log = capture.text();
        }

        assertThat(log).contains("INFO io.github.mailproxy.internal.RefusalLog - refused cause=connection-limit count=2 interval=")
                .doesNotContain(" WARN ");
    }

    private LineClient client(InetSocketAddress address) throws IOException {
        LineClient c = LineClient.connect("127.0.0.1", address);
        resources.add(c);
        assertThat(c.line()).isEqualTo("HELLO");
        return c;
    }

    private static CompletableFuture<PassDbResult> found(int port) {
        return CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y", "host", "127.0.0.1",
                "port", String.valueOf(port), "nopassword", "y")));
    }

    private static void serveEcho(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        out.write("WELCOME\r\n".getBytes(StandardCharsets.US_ASCII));
                        in.transferTo(out);
                    } catch (IOException e) {
                        // the proxy closed the connection
                    }
                }, "echo");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}
