package io.github.mailproxy.imap;

import io.github.mailproxy.testing.TestSasl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.MasterLogin;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswdFilePassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.dovecot.PrivateDovecot;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy in front of a real, private Dovecot 2.3 ({@link PrivateDovecot}): master-user mode in both
 * styles ({@code user*proxy} LOGIN and SASL PLAIN with an authorization id), client mechanisms PLAIN,
 * LOGIN, CRAM-MD5 and SCRAM-SHA-256 checked by the proxy against its own passwd-file, and password
 * forwarding where Dovecot checks the client's password. Dovecot trusts loopback
 * ({@code login_trusted_networks}), so its log must show the test client's port, not the proxy's.
 *
 * <p>The proxy's users and passwords ({@code client-*}) differ from Dovecot's ({@code dovecot-*}) so
 * that a master login cannot pass by forwarding the client's password by mistake.
 */
class ImapDovecotInteropTest {

    /** {@code doveadm pw -s CRAM-MD5 -p client-bob}. */
    private static final String BOB_CRAM_MD5 = "{CRAM-MD5}7534bb14cdb547085db6f0f772f354321218451d16a656f5960b250beba75b6d";
    /** {@code doveadm pw -s SHA512-CRYPT -p client-carol}. */
    private static final String CAROL_SHA512_CRYPT = "{SHA512-CRYPT}$6$sBpo0dvVCo52/N1C$iNGKIHZTKl8gYOya4pLodeG94u92TT5"
            + "yEdIkFwkJMoJwC0UFKHECEUOERcUuLafugkaw.R6FGIJ5fbHGa5.6y/";
    private static final Duration LOG_DEADLINE = Duration.ofSeconds(10);

    private static PrivateDovecot dovecot;
    private static Path proxyUsers;
    private static ProxyServer separatorProxy;
    private static ProxyServer authzidProxy;
    private static ProxyServer forwardingProxy;
    /** Separator style with a separator Dovecot does not know: only the authzid style can log in through it. */
    private static ProxyServer wrongSeparatorProxy;
    /** Behind a load balancer (PROXY protocol in), in front of Dovecot's haproxy listener (PROXY v2 out). */
    private static ProxyServer haproxyProxy;

    @BeforeAll
    static void start() throws IOException {
        if (!PrivateDovecot.installed()) {
            throw new IllegalStateException("Dovecot is not installed: apt-get install dovecot-imapd dovecot-pop3d "
                    + "(.ci/run does this)");
        }
        PrivateDovecot.Builder builder = PrivateDovecot.builder().masterUser("proxy", "secret").haproxy();
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            builder.user(user, "dovecot-" + user);
        }
        dovecot = builder.start();
        String route = "proxy=y host=127.0.0.1 port=" + dovecot.imapPort();
        proxyUsers = Files.createTempFile("mailproxy-users", ".passwd");
        Files.writeString(proxyUsers, String.join("\n",
                "# the proxy's own users: passwords checked by the proxy, Dovecot reached with the master login",
                "alice:{PLAIN}client-alice::::::" + route,
                "bob:" + BOB_CRAM_MD5 + "::::::" + route,
                "carol:" + CAROL_SHA512_CRYPT + "::::::" + route,
                "dave:{PLAIN}client-dave::::::" + route + " " + MasterLogin.STYLE_FIELD + "=authzid",
                "frank:{PLAIN}client-frank::::::" + route,
                ""));
        MasterLogin master = MasterLogin.of("proxy", "secret")
                .mechanisms("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
        separatorProxy = proxy(PasswdFilePassDb.open(proxyUsers), AuthStrategy.masterUser(master));
        // the separator is ignored in authzid style; "#" would make a separator-style login fail
        authzidProxy = proxy(PasswdFilePassDb.open(proxyUsers),
                AuthStrategy.masterUser(master.style(MasterLogin.Style.AUTHZID).separator("#")));
        wrongSeparatorProxy = proxy(PasswdFilePassDb.open(proxyUsers), AuthStrategy.masterUser(master.separator("#")));
        forwardingProxy = proxy(StaticPassDb.parse(route + " nopassword=y"), AuthStrategy.passwordForwarding());
        haproxyProxy = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)).withHaproxy())
                .haproxyTrustedNetworks("127.0.0.0/8")
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + dovecot.imapHaproxyPort() + " nopassword=y"))
                .backendHaproxy(true)
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
    }

    private static ProxyServer proxy(PassDb passDb, AuthStrategy strategy) {
        return ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authStrategy(strategy)
                // nothing about forwarding the client's address: the default does it, as Dovecot's proxy
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            for (ProxyServer server : new ProxyServer[] {separatorProxy, authzidProxy, forwardingProxy, wrongSeparatorProxy, haproxyProxy}) {
                if (server != null) {
                    LeakCheck.assertNothingLeaked(server);
                }
            }
        } finally {
            for (ProxyServer server : new ProxyServer[] {separatorProxy, authzidProxy, forwardingProxy, wrongSeparatorProxy, haproxyProxy}) {
                if (server != null) {
                    server.close();
                }
            }
            if (dovecot != null) {
                dovecot.close();
            }
            if (proxyUsers != null) {
                Files.deleteIfExists(proxyUsers);
            }
        }
    }

    private static int port(ProxyServer server) {
        return server.port(ImapProtocol.NAME);
    }

    private static byte[] rawMessage(String to, String subject) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImapMasterEndToEndTest.message(to, subject, "body of " + subject).writeTo(out);
        return out.toByteArray();
    }

    private static void assertInboxHolds(Store store, String subject) throws MessagingException {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo(subject);
        inbox.close(false);
    }

    /**
     * Dovecot's log of a master login: the auth process names the user the master acts for, then
     * imap-login logs the login, e.g. {@code Login: user=<alice>, method=PLAIN, rip=..., rport=...}.
     */
    private static void awaitMasterLogin(String user) {
        dovecot.awaitLog(Pattern.compile("auth: Info: Master user logging in as " + Pattern.quote(user)), LOG_DEADLINE);
        dovecot.awaitLog(Pattern.compile("imap-login: Info: Login: user=<" + Pattern.quote(user) + ">, method=[^,]+, "),
                LOG_DEADLINE);
    }

    @Test
    void separatorStyleLoginCommandOpensTheMailbox() throws Exception {
        dovecot.deliver("alice", rawMessage("alice@example.org", "for alice"));
        AngusClient client = AngusClient.imap(port(separatorProxy)).loginCommand();
        Store store = client.connect("alice", "client-alice");
        assertInboxHolds(store, "for alice");
        store.close();
        assertThat(client.trace()).contains(" LOGIN alice ").contains("* BYE");
        // the proxy logged in as alice*proxy: Dovecot's master passdb, then alice's mailbox
        awaitMasterLogin("alice");
    }

    @Test
    void authzidStyleAuthenticatePlainOpensTheMailbox() throws Exception {
        dovecot.deliver("dave", rawMessage("dave@example.org", "for dave"));
        AngusClient client = AngusClient.imap(port(authzidProxy)).authenticatePlain();
        Store store = client.connect("dave", "client-dave");
        assertInboxHolds(store, "for dave");
        store.close();
        assertThat(client.trace()).contains("AUTHENTICATE PLAIN");
        awaitMasterLogin("dave");
    }

    @Test
    void perUserStyleFieldChoosesTheAuthzidStyle() throws Exception {
        // dave's passwd-file line says master_style=authzid; this proxy's default, separator style with
        // "#", cannot log in to a Dovecot whose separator is "*", as alice's refusal shows
        Store store = AngusClient.imap(port(wrongSeparatorProxy)).loginCommand().connect("dave", "client-dave");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        awaitMasterLogin("dave");
        AngusClient alice = AngusClient.imap(port(wrongSeparatorProxy)).loginCommand();
        assertThatThrownBy(() -> alice.connect("alice", "client-alice")).isInstanceOf(MessagingException.class);
        assertThat(alice.trace()).contains("NO [AUTHENTICATIONFAILED]");
    }

    @Test
    void clientCramMd5AgainstAStoredCramMd5Value() throws Exception {
        dovecot.deliver("bob", rawMessage("bob@example.org", "for bob"));
        AngusClient client = AngusClient.imap(port(separatorProxy)).sasl("CRAM-MD5");
        Store store = client.connect("bob", "client-bob");
        assertInboxHolds(store, "for bob");
        store.close();
        assertThat(client.trace()).contains("AUTHENTICATE CRAM-MD5");
        awaitMasterLogin("bob");
    }

    @Test
    void clientLoginAgainstAStoredSha512CryptValue() throws Exception {
        Store store = AngusClient.imap(port(authzidProxy)).connect("carol", "client-carol");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        AngusClient wrong = AngusClient.imap(port(authzidProxy));
        assertThatThrownBy(() -> wrong.connect("carol", "dovecot-carol")).isInstanceOf(MessagingException.class);
        assertThat(wrong.trace()).contains("NO [AUTHENTICATIONFAILED]");
    }

    @Test
    void clientScramSha256InBothStyles() throws Exception {
        for (ProxyServer server : List.of(separatorProxy, authzidProxy)) {
            try (RawImapClient client = new RawImapClient(port(server))) {
                assertThat(client.readLine()).contains("AUTH=SCRAM-SHA-256");
                TestSasl.ScramClient scram = new TestSasl.ScramClient("SCRAM-SHA-256", "frank", "client-frank");
                client.send("a AUTHENTICATE SCRAM-SHA-256\r\n");
                assertThat(client.readLine()).isEqualTo("+ ");
                client.send(TestSasl.b64(scram.clientFirst()) + "\r\n");
                String serverFirst = TestSasl.unb64(ImapMasterEndToEndTest.continuation(client.readLine()));
                client.send(TestSasl.b64(scram.clientFinal(serverFirst)) + "\r\n");
                assertThat(scram.serverFinalValid(TestSasl.unb64(ImapMasterEndToEndTest.continuation(client.readLine()))))
                        .isTrue();
                client.send("\r\n");
                // Dovecot's own capabilities after login: the session is Dovecot's now
                assertThat(client.tagged("a")).startsWith("a OK [CAPABILITY IMAP4rev1");
                client.send("b SELECT INBOX\r\n");
                assertThat(client.tagged("b")).startsWith("b OK [READ-WRITE]");
                client.send("c LOGOUT\r\n");
                assertThat(client.tagged("c")).startsWith("c OK");
            }
        }
    }

    @Test
    void passwordForwardingLetsDovecotCheckTheClientsPassword() throws Exception {
        dovecot.deliver("erin", rawMessage("erin@example.org", "for erin"));
        Store store = AngusClient.imap(port(forwardingProxy)).loginCommand().connect("erin", "dovecot-erin");
        assertInboxHolds(store, "for erin");
        store.close();
        AngusClient wrong = AngusClient.imap(port(forwardingProxy)).authenticatePlain();
        assertThatThrownBy(() -> wrong.connect("erin", "client-erin")).isInstanceOf(MessagingException.class);
        assertThat(wrong.trace()).contains("NO [AUTHENTICATIONFAILED]");
    }

    @Test
    void behindABalancerTheClientItNamesReachesDovecotsHaproxyListener() throws Exception {
        try (RawImapClient client = new RawImapClient(port(haproxyProxy))) {
            // not loopback and no TLS at the balancer: plaintext logins are refused (TLS_OR_LOOPBACK)
            client.send("PROXY TCP4 192.0.2.7 198.51.100.1 4711 143\r\n");
            assertThat(client.readLine()).startsWith("* OK").contains("LOGINDISABLED");
            client.send("a LOGIN erin dovecot-erin\r\n");
            assertThat(client.tagged("a")).startsWith("a NO");
        }
        byte[] tlsAtTheBalancer = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11,
                0x00, 0x1A, (byte) 192, 0, 2, 7, (byte) 198, 51, 100, 1, 0x12, 0x68, 0x03, (byte) 0xE1,
                0x20, 0x00, 0x0B, 0x01, 0, 0, 0, 0, 0x21, 0x00, 0x03, 'T', 'L', 'S'};
        try (RawImapClient client = new RawImapClient(port(haproxyProxy))) {
            client.send(tlsAtTheBalancer);  // v2: 192.0.2.7:4712 -> 198.51.100.1:993, client used TLS
            assertThat(client.readLine()).startsWith("* OK").doesNotContain("LOGINDISABLED");
            client.send("a LOGIN erin dovecot-erin\r\n");
            assertThat(client.tagged("a")).startsWith("a OK");
            // Dovecot read the proxy's PROXY v2 header: the balancer's client, not the proxy, logged in
            dovecot.awaitLog(Pattern.compile("imap-login: Info: Login: user=<erin>, method=PLAIN, rip=192\\.0\\.2\\.7, "
                    + "rport=4712, lip=198\\.51\\.100\\.1, lport=993,"), LOG_DEADLINE);
            client.send("b LOGOUT\r\n");
            client.tagged("b");
        }
    }

    @Test
    void dovecotLogsTheClientsAddressAndPortNotTheProxys() throws Exception {
        for (ProxyServer server : List.of(separatorProxy, forwardingProxy)) {
            String user = server == separatorProxy ? "alice" : "erin";
            String password = server == separatorProxy ? "client-alice" : "dovecot-erin";
            try (RawImapClient client = new RawImapClient(port(server))) {
                client.readLine();
                client.send("a LOGIN " + user + " " + password + "\r\n");
                assertThat(client.tagged("a")).startsWith("a OK");
                Pattern line = Pattern.compile("imap-login: Info: Login: user=<" + user + ">, method=[^,]+, rip=127\\.0\\.0\\.1, rport="
                        + client.localPort() + ", lip=127\\.0\\.0\\.1, lport=" + port(server) + ",");
                // the proxy's own connection to Dovecot has another local port; only ID can have told Dovecot this one
                dovecot.awaitLog(line, LOG_DEADLINE);
                client.send("b LOGOUT\r\n");
                client.tagged("b");
            }
        }
    }
    @Test
    void proxyNotTrustedLeavesTheProxysOwnAddressInDovecotsLog() throws Exception {
        ProxyServer notTrusted = proxy(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + dovecot.imapPort()
                + " nopassword=y " + PassDbResult.PROXY_NOT_TRUSTED + "=y"), AuthStrategy.passwordForwarding());
        try (RawImapClient client = new RawImapClient(port(notTrusted))) {
            client.readLine();
            client.send("a LOGIN frank dovecot-frank\r\n");
            assertThat(client.tagged("a")).startsWith("a OK");
            Matcher login = dovecot.awaitLog(Pattern.compile("imap-login: Info: Login: user=<frank>, method=[^,]+, "
                    + "rip=127\\.0\\.0\\.1, rport=(\\d+), lip=127\\.0\\.0\\.1, lport=" + dovecot.imapPort() + ","),
                    LOG_DEADLINE);
            // no ID: Dovecot saw the proxy's own connection, not the client's
            assertThat(Integer.parseInt(login.group(1))).isNotEqualTo(client.localPort());
            client.send("b LOGOUT\r\n");
            client.tagged("b");
        } finally {
            LeakCheck.assertNothingLeaked(notTrusted);
            notTrusted.close();
        }
    }
}
