package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestTls;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Properties;
import java.util.Random;
import io.github.mailproxy.testing.TlsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Raw-socket conversations on a STARTTLS listener whose policy allows plaintext logins only over
 * TLS (as on a non-loopback connection with the default policy): LOGINDISABLED, PRIVACYREQUIRED,
 * then STARTTLS and a login; the proxy's TLS by each provider (the JDK's and Conscrypt).
 */
@ParameterizedClass
@EnumSource(TlsProvider.class)
class ImapTlsConversationTest {

    /** The proxy's TLS provider in this invocation; its servers are made for it once. */
    @Parameter
    TlsProvider tls;

    private static GreenMail greenMail;
    private static ProxyServer server;
    private static ProxyServer implicitTls;
    private static int port;

    @BeforeParameterizedClassInvocation
    static void start(TlsProvider tls) {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        greenMail.setUser("carol@example.org", "carol", "pw-carol");
        implicitTls = ProxyServer.builder()
                .listen(ImapProtocol.implicitTls(new InetSocketAddress("127.0.0.1", 0), tls.serverContext()))
                .tlsProvider(tls.provider())
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .build()
                .start();
        server = ProxyServer.builder()
                .listen(ImapProtocol.starttls(new InetSocketAddress("127.0.0.1", 0), tls.serverContext()))
                .tlsProvider(tls.provider())
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .plaintextAuth(PlaintextAuth.TLS_ONLY)
                .build()
                .start();
        port = server.port(ImapProtocol.NAME);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
            LeakCheck.assertNothingLeaked(implicitTls);
        } finally {
            server.close();
            implicitTls.close();
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

    @Test
    void angusStartTlsThenLogin() throws Exception {
        AngusClient client = AngusClient.imap(port).startTls(TestTls.clientContext());
        Store store = client.connect("bob", "pw-bob");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        assertThat(client.trace()).contains("STARTTLS").contains("OK Begin TLS negotiation now.");
    }

    @Test
    void angusOverImplicitTlsFetchesAFourMegabyteMessageIntact() throws Exception {
        byte[] body = new byte[4 * 1024 * 1024];
        new Random(7).nextBytes(body);
        String text = java.util.Base64.getMimeEncoder().encodeToString(body);
        MimeMessage big = new MimeMessage(Session.getInstance(new Properties()));
        big.setFrom(new InternetAddress("sender@example.org"));
        big.setRecipient(Message.RecipientType.TO, new InternetAddress("carol@example.org"));
        big.setSubject("big");
        big.setText(text);
        big.saveChanges();
        greenMail.getUserManager().getUser("carol").deliver(big);

        Store store = AngusClient.imaps(implicitTls.port(ImapProtocol.NAME), TestTls.clientContext())
                .connect("carol", "pw-carol");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Object content = inbox.getMessage(inbox.getMessageCount()).getContent();
            assertThat(((String) content).replace("\r\n", "\n").strip()).isEqualTo(text.replace("\r\n", "\n").strip());
            inbox.close(false);
        } finally {
            store.close();
        }
    }
}
