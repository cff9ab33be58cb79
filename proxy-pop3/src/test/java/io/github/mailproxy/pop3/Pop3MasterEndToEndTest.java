package io.github.mailproxy.pop3;

import io.github.mailproxy.testing.TestSasl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.user.GreenMailUser;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.MasterLogin;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Angus Mail's POP3 provider through the proxy in master-user mode: the proxy checks the client's
 * credentials against its own PassDb ({@code {PLAIN}}, {@code {CRAM-MD5}} and {@code {SHA512-CRYPT}}
 * values) and logs in to GreenMail as {@code user*proxy} with the master password. GreenMail has no
 * master users, so each mailbox is a GreenMail user whose login is literally {@code alice*proxy} with
 * password {@code secret}, as in the IMAP tests. The authorization-id style (AUTH PLAIN with an authzid)
 * is covered against Dovecot ({@link Pop3DovecotInteropTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pop3MasterEndToEndTest {

    private static final int MANY = 20;
    /** {@code doveadm pw -s SHA512-CRYPT -p pw-hank}. */
    private static final String HANK_SHA512_CRYPT = "{SHA512-CRYPT}$6$UxK25cJ7YJC0KS4t$lvEqCh4Rgxzw5xnqzKy9pUP2tGfvZ2r8OvxJ22RYx"
            + "YxMyhs9IAZO.9tn581qu0KKIacUE/8vFAQlVoU.5HBW9.";
    /** {@code doveadm pw -s CRAM-MD5 -p pw-tim}. */
    private static final String TIM_CRAM_MD5 = "{CRAM-MD5}e12ee4e77cd132829d84dac3ddebd566777d9b248d76b06a31b5de4abeb4d078";
    private static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed.";

    private GreenMailBackend backend;
    private ProxyServer server;
    private final Map<String, GreenMailUser> mailboxes = new HashMap<>();

    @BeforeAll
    void start() {
        backend = new GreenMailBackend();
        Map<String, String> stored = new HashMap<>();
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank", "gina")) {
            stored.put(user, "{PLAIN}pw-" + user);
        }
        stored.put("hank", HANK_SHA512_CRYPT);
        stored.put("tim", TIM_CRAM_MD5);
        for (String user : stored.keySet()) {
            GreenMailUser mailbox = backend.user(user + "@example.org", user + "*proxy", "secret");
            mailbox.deliver(GreenMailBackend.message(user + "@example.org", "hello " + user, "Hi " + user + ".\r\n"));
            mailboxes.put(user, mailbox);
        }
        for (int i = 2; i <= MANY; i++) {
            mailboxes.get("alice").deliver(GreenMailBackend.message("alice@example.org", "message " + i, "Body " + i + ".\r\n"));
        }
        mailboxes.get("dave").deliver(Pop3AngusEndToEndTest.bigMessage());
        for (int i = 2; i <= 3; i++) {
            mailboxes.get("erin").deliver(GreenMailBackend.message("erin@example.org", "erin " + i, "e" + i));
        }
        int backendPort = backend.port();
        PassDb passDb = request -> CompletableFuture.completedFuture(stored.containsKey(request.user())
                ? PassDbResult.found(Map.of("password", stored.get(request.user()), "proxy", "y",
                        "host", "127.0.0.1", "port", Integer.toString(backendPort)))
                : PassDbResult.notFound());
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authStrategy(AuthStrategy.masterUser(MasterLogin.of("proxy", "secret")
                        .mechanisms("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "APOP")))
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
    }

    @AfterAll
    void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            backend.close();
        }
    }

    private int port() {
        return server.port(Pop3Protocol.NAME);
    }

    private static Session session(int port, String mechanism, ByteArrayOutputStream trace) {
        Session session = Pop3AngusEndToEndTest.mailSession(port, mechanism, trace);
        // GreenMail does not list TOP in CAPA while the proxy does; sizes differ once Angus has used TOP
        session.getProperties().put("mail.pop3.disabletop", "true");
        // show USER, APOP and AUTH in the trace: the passwords are test passwords
        session.getProperties().put("mail.debug.auth", "true");
        return session;
    }

    private static String text(ByteArrayOutputStream trace) {
        return trace.toString(StandardCharsets.UTF_8);
    }

    @Test
    void userPassGetsEveryMessageAsADirectMasterLoginDoes() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        List<Object> proxied;
        try (Store store = Pop3AngusEndToEndTest.connect(session(port(), "LOGIN", trace), "alice", "pw-alice")) {
            proxied = Pop3AngusEndToEndTest.readAll(store);
        }
        List<Object> direct;
        try (Store store = Pop3AngusEndToEndTest.connect(session(backend.port(), "LOGIN", null), "alice*proxy", "secret")) {
            direct = Pop3AngusEndToEndTest.readAll(store);
        }
        assertThat(proxied.get(0)).isEqualTo(MANY);
        assertThat(proxied).hasSize(1 + 3 * MANY).isEqualTo(direct);
        assertThat(text(trace)).contains("USER alice", "STAT", "LIST", "UIDL", "RETR " + MANY);
    }

    @Test
    void authPlainLogsIn() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = Pop3AngusEndToEndTest.connect(session(port(), "PLAIN", trace), "bob", "pw-bob")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("hello bob");
            inbox.close(false);
        }
        assertThat(text(trace)).contains("AUTH PLAIN");
    }

    @Test
    void apopFromAngusIsVerifiedByTheProxy() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        Session session = session(port(), "LOGIN", trace);
        session.getProperties().put("mail.pop3.apop.enable", "true");
        try (Store store = Pop3AngusEndToEndTest.connect(session, "carol", "pw-carol")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("hello carol");
            inbox.close(false);
        }
        assertThat(text(trace)).containsPattern("\\+OK mailproxy ready\\. <[0-9]+\\.[0-9]+@mailproxy>")
                .contains("APOP carol ").doesNotContain("USER carol");
    }

    @Test
    void hashedStoredPasswordServesUserPassButNotApop() throws Exception {
        try (Store store = Pop3AngusEndToEndTest.connect(session(port(), "LOGIN", null), "hank", "pw-hank")) {
            assertThat(store.getFolder("INBOX").exists()).isTrue();
        }
        try (PopClient client = PopClient.connect(port())) {
            String timestamp = TestApop.timestamp(client.readLine());
            assertThat(client.command("APOP hank " + TestApop.apopDigest(timestamp, "pw-hank"))).isEqualTo(AUTH_FAILED);
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void fiveMegabyteMessageIsByteIdenticalToADirectRetr() throws Exception {
        byte[] proxied;
        byte[] direct;
        try (Store store = Pop3AngusEndToEndTest.connect(session(port(), "LOGIN", null), "dave", "pw-dave")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            proxied = Pop3AngusEndToEndTest.raw(inbox.getMessage(2));
            inbox.close(false);
        }
        try (Store store = Pop3AngusEndToEndTest.connect(session(backend.port(), "LOGIN", null), "dave*proxy", "secret")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            direct = Pop3AngusEndToEndTest.raw(inbox.getMessage(2));
            inbox.close(false);
        }
        assertThat(proxied.length).isGreaterThan(Pop3AngusEndToEndTest.BIG);
        assertThat(proxied).isEqualTo(direct);
    }

    @Test
    void topFetchesHeadersOnly() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = Pop3AngusEndToEndTest.connect(
                Pop3AngusEndToEndTest.mailSession(port(), "LOGIN", trace), "alice", "pw-alice")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(7).getSubject()).isEqualTo("message 7");
            inbox.close(false);
        }
        assertThat(text(trace)).contains("TOP 7 0").doesNotContain("RETR 7");
    }

    @Test
    void deleteAndQuitRemovesTheMessageAtTheBackendAndRsetKeepsIt() throws Exception {
        GreenMailUser erin = mailboxes.get("erin");
        int before = backend.messageCount(erin);
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        Session keep = session(port(), "LOGIN", trace);
        keep.getProperties().put("mail.pop3.rsetbeforequit", "true");
        try (Store store = Pop3AngusEndToEndTest.connect(keep, "erin", "pw-erin")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(false); // RSET, QUIT
        }
        assertThat(text(trace)).contains("RSET");
        assertThat(backend.messageCount(erin)).isEqualTo(before);
        try (Store store = Pop3AngusEndToEndTest.connect(session(port(), "LOGIN", null), "erin", "pw-erin")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(true); // DELE 1, QUIT
        }
        assertThat(backend.messageCount(erin)).isEqualTo(before - 1);
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameRefusal() {
        for (String[] login : List.of(new String[] {"bob", "wrong"}, new String[] {"nobody", "pw"},
                new String[] {"hank", "wrong"})) {
            assertThatThrownBy(() -> Pop3AngusEndToEndTest.connect(session(port(), "LOGIN", null), login[0], login[1]).close())
                    .isInstanceOf(AuthenticationFailedException.class)
                    .hasMessageContaining("[AUTH] Authentication failed.");
        }
    }

    @Test
    void cramMd5OverARawSocketFromACramMd5AndAPlaintextStoredPassword() {
        for (String user : List.of("tim", "frank")) {
            try (PopClient client = PopClient.connect(port())) {
                client.readLine();
                String challenge = continuation(client.command("AUTH CRAM-MD5"));
                assertThat(client.command(TestSasl.cramResponse(user, "wrong", challenge))).isEqualTo(AUTH_FAILED);
                challenge = continuation(client.command("AUTH CRAM-MD5"));
                assertThat(client.command(TestSasl.cramResponse(user, "pw-" + user, challenge))).startsWith("+OK");
                assertThat(client.command("STAT")).startsWith("+OK 1 ");
                assertThat(client.command("QUIT")).startsWith("+OK");
            }
        }
    }

    @Test
    void scramSha256AndSha1OverARawSocket() {
        for (String mechanism : List.of("SCRAM-SHA-256", "SCRAM-SHA-1")) {
            try (PopClient client = PopClient.connect(port())) {
                client.readLine();
                TestSasl.ScramClient scram = new TestSasl.ScramClient(mechanism, "gina", "pw-gina");
                String serverFirst = TestSasl.unb64(continuation(
                        client.command("AUTH " + mechanism + " " + TestSasl.b64(scram.clientFirst()))));
                String serverFinal = TestSasl.unb64(continuation(client.command(TestSasl.b64(scram.clientFinal(serverFirst)))));
                assertThat(scram.serverFinalValid(serverFinal)).isTrue();
                assertThat(client.command("")).startsWith("+OK");
                client.send("UIDL\r\n");
                assertThat(client.readLine()).startsWith("+OK");
                assertThat(client.readMultiline()).hasSize(1);
                assertThat(client.command("QUIT")).startsWith("+OK");
            }
        }
    }

    @Test
    void scramAgainstAHashedPasswordIsRefusedCleanly() {
        try (PopClient client = PopClient.connect(port())) {
            client.readLine();
            TestSasl.ScramClient scram = new TestSasl.ScramClient("SCRAM-SHA-256", "hank", "pw-hank");
            String serverFirst = TestSasl.unb64(continuation(
                    client.command("AUTH SCRAM-SHA-256 " + TestSasl.b64(scram.clientFirst()))));
            assertThat(client.command(TestSasl.b64(scram.clientFinal(serverFirst)))).isEqualTo(AUTH_FAILED);
            assertThat(client.command("CAPA")).startsWith("+OK");
            assertThat(client.readMultiline()).contains("SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256");
        }
    }

    static String continuation(String line) {
        assertThat(line).startsWith("+ ");
        return line.substring(2);
    }
}
