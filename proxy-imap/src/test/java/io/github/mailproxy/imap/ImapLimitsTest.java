package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Connection and login-rate limits as an IMAP client meets them (RFC 5530 UNAVAILABLE). */
class ImapLimitsTest {

    private static GreenMail greenMail;
    private static ProxyServer server;
    private static int port;

    @BeforeAll
    static void start() {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .maxConnectionsPerIp(1)
                .maxLoginsPerIpPerMinute(2)
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
            greenMail.stop();
        }
    }

    @Test
    void aConnectionOverTheLimitGetsByeUnavailableAndTheRateLimitDefersLogins() throws IOException {
        try (RawImapClient first = new RawImapClient(port)) {
            assertThat(first.readLine()).startsWith("* OK [CAPABILITY ");
            try (RawImapClient second = new RawImapClient(port)) {
                assertThat(second.readLine()).isEqualTo("* BYE [UNAVAILABLE] Too many connections, try again later.");
                assertThat(second.closedByServer()).isTrue();
            }
            first.send("a LOGIN bob wrong\r\n");
            assertThat(first.tagged("a")).startsWith("a NO [AUTHENTICATIONFAILED]");
            first.send("b LOGIN bob pw-bob\r\n");
            assertThat(first.tagged("b")).startsWith("b OK [CAPABILITY ");
        }
        Await.until("the first connection to be released", Duration.ofSeconds(5),
                () -> server.stats().openSessions() == 0);
        try (RawImapClient third = new RawImapClient(port)) {
            assertThat(third.readLine()).startsWith("* OK [CAPABILITY ");
            third.send("c LOGIN bob pw-bob\r\n");
            assertThat(third.tagged("c")).startsWith("c NO [UNAVAILABLE]");
        }
    }
}
