package io.github.mailproxy.pop3;

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
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.dovecot.PrivateDovecot;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
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
 * The POP3 proxy in front of a real, private Dovecot 2.3 ({@link PrivateDovecot}): master-user mode in
 * both styles ({@code USER user*proxy} / {@code PASS}, and {@code AUTH PLAIN} with an authorization id),
 * client mechanisms USER/PASS, AUTH PLAIN, CRAM-MD5, SCRAM-SHA-256 and APOP checked by the proxy against
 * its own passwd-file, and password forwarding where Dovecot checks the client's password. Dovecot trusts
 * loopback ({@code login_trusted_networks}) and so offers XCLIENT — Dovecot 2.3's pop3-login does it
 * with {@code +OK [XCLIENT]} in its greeting, not in CAPA; its log must show the test client's port,
 * not the proxy's.
 *
 * <p>The proxy's passwords ({@code client-*}) differ from Dovecot's ({@code dovecot-*}) so that a master
 * login cannot pass by forwarding the client's password by mistake.
 */
class Pop3DovecotInteropTest {

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
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank", "gina")) {
            builder.user(user, "dovecot-" + user);
        }
        dovecot = builder.start();
        String route = "proxy=y host=127.0.0.1 port=" + dovecot.pop3Port();
        proxyUsers = Files.createTempFile("mailproxy-pop3-users", ".passwd");
        Files.writeString(proxyUsers, String.join("\n",
                "# the proxy's own users: passwords checked by the proxy, Dovecot reached with the master login",
                "alice:{PLAIN}client-alice::::::" + route,
                "bob:" + BOB_CRAM_MD5 + "::::::" + route,
                "carol:" + CAROL_SHA512_CRYPT + "::::::" + route,
                "dave:{PLAIN}client-dave::::::" + route + " " + MasterLogin.STYLE_FIELD + "=authzid",
                "frank:{PLAIN}client-frank::::::" + route,
                "gina:{PLAIN}client-gina::::::" + route,
                ""));
        MasterLogin master = MasterLogin.of("proxy", "secret")
                .mechanisms("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "APOP");
        separatorProxy = proxy(PasswdFilePassDb.open(proxyUsers), AuthStrategy.masterUser(master));
        // the separator is ignored in authzid style; "#" would make a separator-style login fail
        authzidProxy = proxy(PasswdFilePassDb.open(proxyUsers),
                AuthStrategy.masterUser(master.style(MasterLogin.Style.AUTHZID).separator("#")));
        wrongSeparatorProxy = proxy(PasswdFilePassDb.open(proxyUsers), AuthStrategy.masterUser(master.separator("#")));
        forwardingProxy = proxy(StaticPassDb.parse(route + " nopassword=y"), AuthStrategy.passwordForwarding());
        haproxyProxy = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)).withHaproxy())
                .haproxyTrustedNetworks("127.0.0.0/8")
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + dovecot.pop3HaproxyPort()
                        + " nopassword=y haproxy=yes"))
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
    }

    private static ProxyServer proxy(PassDb passDb, AuthStrategy strategy) {
        return ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authStrategy(strategy)
                // nothing about forwarding the client's address: the default does it, as Dovecot's proxy
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
    }

    @AfterAll
    static void stop() throws IOException {
        List<ProxyServer> servers = new java.util.ArrayList<>();
        for (ProxyServer server : new ProxyServer[] {separatorProxy, authzidProxy, forwardingProxy, wrongSeparatorProxy, haproxyProxy}) {
            if (server != null) {
                servers.add(server);
            }
        }
        try {
            for (ProxyServer server : servers) {
                LeakCheck.assertNothingLeaked(server);
            }
        } finally {
            servers.forEach(ProxyServer::close);
            if (dovecot != null) {
                dovecot.close();
            }
            if (proxyUsers != null) {
                Files.deleteIfExists(proxyUsers);
            }
        }
    }

    private static int port(ProxyServer server) {
        return server.port(Pop3Protocol.NAME);
    }

    private static byte[] rawMessage(String user, String subject) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GreenMailBackend.message(user + "@example.org", subject, "body of " + subject + "\r\n").writeTo(out);
        return out.toByteArray();
    }

    private static Session angus(int port, String mechanism, ByteArrayOutputStream trace) {
        Session session = Pop3AngusEndToEndTest.mailSession(port, mechanism, trace);
        // show USER, APOP and AUTH in the trace: the passwords are test passwords
        session.getProperties().put("mail.debug.auth", "true");
        return session;
    }

    private static void assertInboxHolds(Store store, String subject) throws MessagingException {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo(subject);
        inbox.close(false);
    }

    /** Dovecot's log of a master login: the auth process names the user, then pop3-login logs the login. */
    private static void awaitMasterLogin(String user) {
        dovecot.awaitLog(Pattern.compile("auth: Info: Master user logging in as " + Pattern.quote(user)), LOG_DEADLINE);
        awaitPop3Login(user);
    }

    private static void awaitPop3Login(String user) {
        dovecot.awaitLog(Pattern.compile("pop3-login: Info: Login: user=<" + Pattern.quote(user) + ">, method=[^,]+, "),
                LOG_DEADLINE);
    }

    @Test
    void behindABalancerTheClientItNamesReachesDovecotsHaproxyListener() {
        try (PopClient client = PopClient.connect(haproxyProxy.port(Pop3Protocol.NAME))) {
            // v1 has no TLS flag: a client at 192.0.2.7 is neither local nor secured, so no USER/PASS
            client.send("PROXY TCP6 2001:db8::7 2001:db8::1 4711 110\r\n");
            assertThat(client.readLine()).startsWith("+OK");
            assertThat(client.command("USER gina")).startsWith("-ERR");
        }
        // the PassDb field haproxy=yes: Dovecot reads the proxy's PROXY v2 header, so it logs the client
        try (PopClient client = PopClient.connect(haproxyProxy.port(Pop3Protocol.NAME))) {
            client.send("PROXY TCP4 127.0.0.9 127.0.0.1 4713 110\r\n");
            assertThat(client.readLine()).startsWith("+OK");
            assertThat(client.command("USER gina")).startsWith("+OK");
            assertThat(client.command("PASS dovecot-gina")).startsWith("+OK");
            dovecot.awaitLog(Pattern.compile("pop3-login: Info: Login: user=<gina>, method=PLAIN, rip=127\\.0\\.0\\.9, "
                    + "rport=4713, lip=127\\.0\\.0\\.1, lport=110,"), LOG_DEADLINE);
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void separatorStyleUserPassOpensTheMailbox() throws Exception {
        dovecot.deliver("alice", rawMessage("alice", "for alice"));
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = Pop3AngusEndToEndTest.connect(angus(port(separatorProxy), "LOGIN", trace), "alice", "client-alice")) {
            assertInboxHolds(store, "for alice");
        }
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("USER alice");
        // the proxy logged in as alice*proxy: Dovecot's master passdb, then alice's mailbox
        awaitMasterLogin("alice");
        dovecot.awaitLog(Pattern.compile("pop3-login: Info: Login: user=<alice>, method=PLAIN, "), LOG_DEADLINE);
    }

    @Test
    void authzidStyleAuthPlainOpensTheMailbox() throws Exception {
        dovecot.deliver("dave", rawMessage("dave", "for dave"));
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = Pop3AngusEndToEndTest.connect(angus(port(authzidProxy), "PLAIN", trace), "dave", "client-dave")) {
            assertInboxHolds(store, "for dave");
        }
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("AUTH PLAIN");
        awaitMasterLogin("dave");
    }

    @Test
    void perUserStyleFieldChoosesTheAuthzidStyle() throws Exception {
        // dave's line says master_style=authzid; this proxy's separator "#" cannot serve alice at Dovecot
        try (Store store = Pop3AngusEndToEndTest.connect(angus(port(wrongSeparatorProxy), "LOGIN", null), "dave", "client-dave")) {
            assertThat(store.getFolder("INBOX").exists()).isTrue();
        }
        assertThatThrownBy(() -> Pop3AngusEndToEndTest.connect(angus(port(wrongSeparatorProxy), "LOGIN", null),
                "alice", "client-alice").close())
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("[AUTH] Authentication failed.");
    }

    @Test
    void clientCramMd5AgainstAStoredCramMd5ValueInBothStyles() {
        for (ProxyServer server : List.of(separatorProxy, authzidProxy)) {
            try (PopClient client = PopClient.connect(port(server))) {
                client.readLine();
                String challenge = Pop3MasterEndToEndTest.continuation(client.command("AUTH CRAM-MD5"));
                assertThat(client.command(TestSasl.cramResponse("bob", "client-bob", challenge))).startsWith("+OK");
                assertThat(client.command("STAT")).startsWith("+OK ");
                assertThat(client.command("QUIT")).startsWith("+OK");
            }
        }
        awaitMasterLogin("bob");
    }

    @Test
    void clientScramSha256InBothStyles() {
        for (ProxyServer server : List.of(separatorProxy, authzidProxy)) {
            try (PopClient client = PopClient.connect(port(server))) {
                client.readLine();
                TestSasl.ScramClient scram = new TestSasl.ScramClient("SCRAM-SHA-256", "frank", "client-frank");
                assertThat(client.command("AUTH SCRAM-SHA-256")).isEqualTo("+ ");
                String serverFirst = TestSasl.unb64(Pop3MasterEndToEndTest.continuation(
                        client.command(TestSasl.b64(scram.clientFirst()))));
                String serverFinal = TestSasl.unb64(Pop3MasterEndToEndTest.continuation(
                        client.command(TestSasl.b64(scram.clientFinal(serverFirst)))));
                assertThat(scram.serverFinalValid(serverFinal)).isTrue();
                // Dovecot's own +OK after login: the session is Dovecot's now
                assertThat(client.command("")).startsWith("+OK Logged in.");
                assertThat(client.command("STAT")).startsWith("+OK 0 ");
                assertThat(client.command("QUIT")).startsWith("+OK");
            }
        }
        awaitMasterLogin("frank");
    }

    @Test
    void clientApopFromAngusInBothStyles() throws Exception {
        dovecot.deliver("gina", rawMessage("gina", "for gina"));
        for (ProxyServer server : List.of(separatorProxy, authzidProxy)) {
            ByteArrayOutputStream trace = new ByteArrayOutputStream();
            Session session = angus(port(server), "LOGIN", trace);
            session.getProperties().put("mail.pop3.apop.enable", "true");
            try (Store store = Pop3AngusEndToEndTest.connect(session, "gina", "client-gina")) {
                assertInboxHolds(store, "for gina");
            }
            assertThat(trace.toString(StandardCharsets.UTF_8)).contains("APOP gina ").doesNotContain("USER gina");
        }
        awaitMasterLogin("gina");
    }

    @Test
    void clientUserPassAgainstAStoredSha512CryptValue() throws Exception {
        try (Store store = Pop3AngusEndToEndTest.connect(angus(port(authzidProxy), "LOGIN", null), "carol", "client-carol")) {
            assertThat(store.getFolder("INBOX").exists()).isTrue();
        }
        assertThatThrownBy(() -> Pop3AngusEndToEndTest.connect(angus(port(authzidProxy), "LOGIN", null),
                "carol", "dovecot-carol").close())
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("[AUTH] Authentication failed.");
    }

    @Test
    void passwordForwardingLetsDovecotCheckTheClientsPassword() throws Exception {
        dovecot.deliver("erin", rawMessage("erin", "for erin"));
        try (Store store = Pop3AngusEndToEndTest.connect(angus(port(forwardingProxy), "LOGIN", null), "erin", "dovecot-erin")) {
            assertInboxHolds(store, "for erin");
        }
        awaitPop3Login("erin");
        assertThatThrownBy(() -> Pop3AngusEndToEndTest.connect(angus(port(forwardingProxy), "PLAIN", null),
                "erin", "client-erin").close())
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("[AUTH]");
    }

    @Test
    void dovecotListsXclientAndLogsTheClientsAddressAndPortNotTheProxys() {
        try (PopClient direct = PopClient.connect(dovecot.pop3Port())) {
            assertThat(direct.readLine()).as("Dovecot offers XCLIENT to a trusted network").startsWith("+OK [XCLIENT] ");
            assertThat(direct.command("QUIT")).startsWith("+OK");
        }
        for (ProxyServer server : List.of(separatorProxy, forwardingProxy)) {
            String user = server == separatorProxy ? "alice" : "erin";
            String password = server == separatorProxy ? "client-alice" : "dovecot-erin";
            try (PopClient client = PopClient.connect(port(server))) {
                client.readLine();
                assertThat(client.command("USER " + user)).startsWith("+OK");
                assertThat(client.command("PASS " + password)).startsWith("+OK");
                Pattern line = Pattern.compile("pop3-login: Info: Login: user=<" + user + ">, method=[^,]+, "
                        + "rip=127\\.0\\.0\\.1, rport=" + client.localPort() + ",");
                // the proxy's own connection to Dovecot has another local port; only XCLIENT can have told Dovecot this one
                dovecot.awaitLog(line, LOG_DEADLINE);
                assertThat(client.command("QUIT")).startsWith("+OK");
            }
        }
    }
    @Test
    void proxyNotTrustedLeavesTheProxysOwnAddressInDovecotsLog() {
        ProxyServer notTrusted = proxy(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + dovecot.pop3Port()
                + " nopassword=y " + PassDbResult.PROXY_NOT_TRUSTED + "=y"), AuthStrategy.passwordForwarding());
        try (PopClient client = PopClient.connect(port(notTrusted))) {
            client.readLine();
            assertThat(client.command("USER gina")).startsWith("+OK");
            assertThat(client.command("PASS dovecot-gina")).startsWith("+OK");
            Matcher login = dovecot.awaitLog(Pattern.compile("pop3-login: Info: Login: user=<gina>, method=[^,]+, "
                    + "rip=127\\.0\\.0\\.1, rport=(\\d+),"), LOG_DEADLINE);
            // no XCLIENT: Dovecot saw the proxy's own connection, not the client's
            assertThat(Integer.parseInt(login.group(1))).isNotEqualTo(client.localPort());
            assertThat(client.command("QUIT")).startsWith("+OK");
        } finally {
            LeakCheck.assertNothingLeaked(notTrusted);
            notTrusted.close();
        }
    }
}
