package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.TestTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyServer#close()} in front of GreenMail with IMAP sessions in every state: each is logged
 * with outcome {@code SHUTDOWN}, clients logging in are told {@code * BYE}, and nothing is logged at
 * WARN or ERROR, since closing is what the operator asked for.
 */
class ImapShutdownTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    @Test
    void closeWithSessionsInEveryStateLogsThemAsShutdownAndNoWarning() throws Exception {
        GreenMail greenMail = TestBackend.startGreenMail();
        resources.add(greenMail::stop);
        greenMail.setUser("alice@example.org", "alice", "pw-alice");
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));  // never greets
        resources.add(silent);
        PassDb passDb = request -> switch (request.user()) {
            case "stuck" -> new CompletableFuture<>();
            case "ghost" -> CompletableFuture.completedFuture(PassDbResult.notFound());
            case "slow" -> found(silent.getLocalPort());
            default -> found(TestBackend.imapPort(greenMail));
        };
        Listener tls = ImapProtocol.implicitTls(new InetSocketAddress("127.0.0.1", 0), TestTls.serverContext());
        ProxyServer server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .listen(tls)
                .passDb(passDb).sessionListener(events::add).authFailureDelay(Duration.ofSeconds(20))
                .shutdownTimeout(Duration.ofMillis(500)).build().start();
        int port = server.port(ImapProtocol.NAME);
        client(port).readLine();  // greeted, idle
        RawImapClient relayed = client(port);
        relayed.readLine();
        relayed.send("a LOGIN alice pw-alice\r\n");
        assertThat(relayed.tagged("a")).startsWith("a OK");
        relayed.send("b SELECT INBOX\r\n");
        assertThat(relayed.tagged("b")).startsWith("b OK");
        for (String user : List.of("stuck", "ghost", "slow")) {
            RawImapClient c = client(port);
            c.readLine();
            c.send("a LOGIN " + user + " pw\r\n");
        }
        resources.add(new Socket("127.0.0.1", server.port(tls)));  // a TLS client that never says hello
        Await.until("every session open and the slow login connecting", Duration.ofSeconds(10),
                () -> server.stats().openSessions() == 6 && server.stats().openBackendConnections() == 2);

        String log;
        try (LogCapture capture = new LogCapture()) {
            server.close();
            log = capture.text();
        }

        assertThat(events).hasSize(6)
                .allSatisfy(e -> assertThat(e.outcome()).as("%s", e.user()).isEqualTo(SessionEvent.Outcome.SHUTDOWN));
        assertThat(log.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList())
                .as("WARN and ERROR lines logged by close()").isEmpty();
    }

    private RawImapClient client(int port) throws IOException {
        RawImapClient c = new RawImapClient(port);
        resources.add(c);
        return c;
    }

    private static CompletableFuture<PassDbResult> found(int port) {
        return CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y", "host", "127.0.0.1",
                "port", String.valueOf(port), "nopassword", "y")));
    }
}
