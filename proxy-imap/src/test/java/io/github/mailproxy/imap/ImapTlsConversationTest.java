package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Raw-socket conversations on a STARTTLS listener whose policy allows plaintext logins only over
 * TLS (as on a non-loopback connection with the default policy): LOGINDISABLED, PRIVACYREQUIRED,
 * then STARTTLS and a login.
 */
class ImapTlsConversationTest {

    private static GreenMail greenMail;
    private static ProxyServer server;
    private static int port;

    @BeforeAll
    static void start() {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        server = ProxyServer.builder()
                .listen(ImapProtocol.starttls(new InetSocketAddress("127.0.0.1", 0), TestTls.serverContext()))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .plaintextAuth(PlaintextAuth.TLS_ONLY)
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
    void plaintextLoginIsDisabledUntilTlsThenWorks() throws IOException {
        try (RawImapClient client = new RawImapClient(port)) {
            assertThat(client.readLine()).isEqualTo(
                    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ STARTTLS LOGINDISABLED] mailproxy ready.");
            client.send("a LOGIN bob pw-bob\r\n");
            assertThat(client.readLine()).isEqualTo(
                    "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.");
            client.send("b AUTHENTICATE PLAIN\r\n");
            assertThat(client.readLine()).startsWith("b NO [PRIVACYREQUIRED]");

            client.send("c STARTTLS\r\n");
            assertThat(client.readLine()).isEqualTo("c OK Begin TLS negotiation now.");
            client.startTls(TestTls.clientContext());

            client.send("d CAPABILITY\r\n");
            assertThat(client.readUntilTagged("d")).first().isEqualTo(
                    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN");
            client.send("e STARTTLS\r\n");
            assertThat(client.readLine()).isEqualTo("e BAD TLS is already active.");
            client.send("f LOGIN bob pw-bob\r\n");
            assertThat(client.tagged("f")).startsWith("f OK [CAPABILITY IMAP4rev1 ");
            client.send("g SELECT INBOX\r\n");
            assertThat(client.tagged("g")).startsWith("g OK");
        }
    }

    @Test
    void commandsPipelinedAfterStartTlsAreDiscarded() throws IOException {
        try (RawImapClient client = new RawImapClient(port)) {
            client.readLine();
            // RFC 3207-style injection: what follows STARTTLS in the same packet must not run under TLS
            client.send("a STARTTLS\r\nb LOGIN bob pw-bob\r\n");
            assertThat(client.readLine()).isEqualTo("a OK Begin TLS negotiation now.");
            client.startTls(TestTls.clientContext());
            client.send("c NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("c OK NOOP completed.");
        }
    }
}
