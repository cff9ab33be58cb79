package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LogfmtParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a user name chosen to forge fields of the session line ({@code client=}, {@code outcome=})
 * or to start a new line, sent by a raw IMAP client through a real proxy, ends up as one quoted value
 * of one line that a strict logfmt parser reads with the client's real address.
 */
class ImapSessionLogTest {

    private static final String SESSION_LOGGER = "io.github.mailproxy.session";
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static ProxyServer server;
    private static int port;

    @BeforeAll
    static void start() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();  // nothing listens here once closed: every backend login fails
        }
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + closedPort + " nopassword=y"))
                .authFailureDelay(Duration.ZERO)
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
        }
    }

    @Test
    void aHostileUserNameStaysOneQuotedValueOfTheSessionLine() throws IOException {
        List<String> users = List.of(
                "nobody client=203.0.113.9:4444 outcome=PROXIED",
                "nobody\r\n[loop] INFO io.github.mailproxy.session - session=x client=203.0.113.9:4444 outcome=PROXIED",
                "nobody\u0085client=203.0.113.9:4444 outcome=PROXIED",
                "nobody\u2028client=203.0.113.9:4444\u2029outcome=PROXIED",
                "nobody\" client=\"203.0.113.9:4444",
                "nobody\\\" client=203.0.113.9:4444 outcome=PROXIED \\");
        for (String user : users) {
            String clientAddress;
            try (LogCapture capture = new LogCapture()) {
                try (RawImapClient client = new RawImapClient(port)) {
                    clientAddress = "127.0.0.1:" + client.localPort();
                    assertThat(client.readLine()).startsWith("* OK ");
                    byte[] name = user.getBytes(StandardCharsets.UTF_8);
                    client.send("a LOGIN {" + name.length + "}\r\n");
                    assertThat(client.readLine()).startsWith("+");
                    client.send(user + " {5}\r\n");
                    assertThat(client.readLine()).startsWith("+");
                    client.send("pw-x1\r\n");
                    assertThat(client.tagged("a")).as(user).startsWith("a NO ");
                    client.send("b LOGOUT\r\n");
                    client.tagged("b");
                }
                Map<String, String> line = awaitSessionLine(capture, clientAddress);
                assertThat(line).as(user)
                        .containsOnlyKeys("session", "proto", "user", "client", "backend", "in", "out", "duration_ms",
                                "outcome")
                        .containsEntry("client", clientAddress)
                        .containsEntry("user", user)
                        .containsEntry("proto", "imap");
                assertThat(line.get("outcome")).as(user).isIn("AUTH_FAILED", "TEMPORARY_FAILURE");
            }
        }
    }

    /**
     * Waits for the session line of the client at {@code clientAddress}. Every session line logged
     * meanwhile must parse, and none but one may claim that client.
     */
    private static Map<String, String> awaitSessionLine(LogCapture capture, String clientAddress) {
        Map<String, String>[] found = new Map[1];
        Await.until(() -> "the session line of " + clientAddress + " in: " + capture.text(), DEADLINE, () -> {
            List<Map<String, String>> lines = LogfmtParser.messages(capture.text(), SESSION_LOGGER).stream()
                    .map(LogfmtParser::parse).filter(m -> clientAddress.equals(m.get("client"))).toList();
            assertThat(lines).hasSizeLessThanOrEqualTo(1);
            Optional<Map<String, String>> first = lines.stream().findFirst();
            first.ifPresent(m -> found[0] = m);
            return first.isPresent();
        });
        // no physical line of the capture may be a forged session line of another address
        assertThat(capture.text().lines().filter(l -> l.contains("203.0.113.9")))
                .allSatisfy(l -> assertThat(l).contains(" " + SESSION_LOGGER + " - session="));
        return found[0];
    }
}
