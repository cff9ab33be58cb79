package io.github.mailproxy.imap;

import io.github.mailproxy.testing.TestSasl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.MasterLogin;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.activation.DataHandler;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end tests of {@link ImapEndToEndTest} in master-user mode: the proxy checks the client's
 * password against its own PassDb ({@code {PLAIN}}, {@code {CRAM-MD5}} and {@code {SHA512-CRYPT}}
 * values) and logs in to GreenMail as {@code user*proxy} with the master password. GreenMail has no
 * master users, so each mailbox is a GreenMail user whose login is literally {@code alice*proxy} with
 * password {@code secret}. GreenMail 2.1.8 offers AUTHENTICATE XOAUTH2 only, so the authorization-id
 * style (SASL PLAIN to the backend) is covered against Dovecot ({@code dovecot.ImapDovecotInteropTest}).
 */
class ImapMasterEndToEndTest {

    private static final Pattern IDLE_ACCEPTED = Pattern.compile("\\sIDLE\\r?\\n\\+");
    /** {@code doveadm pw -s SHA512-CRYPT -p pw-hank}. */
    static final String HANK_SHA512_CRYPT = "{SHA512-CRYPT}$6$UxK25cJ7YJC0KS4t$lvEqCh4Rgxzw5xnqzKy9pUP2tGfvZ2r8OvxJ22RYx"
            + "YxMyhs9IAZO.9tn581qu0KKIacUE/8vFAQlVoU.5HBW9.";
    /** {@code doveadm pw -s CRAM-MD5 -p pw-tim}. */
    static final String TIM_CRAM_MD5 = "{CRAM-MD5}e12ee4e77cd132829d84dac3ddebd566777d9b248d76b06a31b5de4abeb4d078";

    private static GreenMail greenMail;
    private static ProxyServer server;

    @BeforeAll
    static void start() {
        greenMail = TestBackend.startGreenMail();
        server = masterProxy(greenMail);
    }

    /** A proxy in master mode in front of {@code greenMail}, whose users get the {@code *proxy} logins. */
    static ProxyServer masterProxy(GreenMail greenMail) {
        Map<String, String> stored = new HashMap<>();
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank", "gina")) {
            stored.put(user, "{PLAIN}pw-" + user);
        }
        stored.put("hank", HANK_SHA512_CRYPT);
        stored.put("tim", TIM_CRAM_MD5);
        for (String user : stored.keySet()) {
            greenMail.setUser(user + "@example.org", user + "*proxy", "secret");
        }
        int backendPort = TestBackend.imapPort(greenMail);
        PassDb passDb = request -> CompletableFuture.completedFuture(stored.containsKey(request.user())
                ? PassDbResult.found(Map.of("password", stored.get(request.user()), "proxy", "y",
                        "host", "127.0.0.1", "port", Integer.toString(backendPort)))
                : PassDbResult.notFound());
        return ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authStrategy(AuthStrategy.masterUser(MasterLogin.of("proxy", "secret")
                        .mechanisms("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256")))
                .authFailureDelay(Duration.ofMillis(20))
                .build()
                .start();
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

    private static int port() {
        return server.port(ImapProtocol.NAME);
    }

    static MimeMessage message(String to, String subject, String text) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText(text);
        message.saveChanges();
        return message;
    }

    private static void deliver(String user, MimeMessage message) {
        greenMail.getUserManager().getUser(user + "*proxy").deliver(message);
    }

    @Test
    void loginCommandOpensTheMailboxThroughTheMasterLogin() throws Exception {
        deliver("alice", message("alice@example.org", "hello alice", "first"));
        AngusClient client = AngusClient.imap(port()).loginCommand();
        Store store = client.connect("alice", "pw-alice");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo("hello alice");
        inbox.close(false);
        store.close();
        assertThat(client.trace()).contains(" LOGIN alice ").contains("OK [CAPABILITY IMAP4rev1").contains("* BYE");
    }

    @Test
    void authenticatePlain() throws Exception {
        AngusClient client = AngusClient.imap(port()).authenticatePlain();
        Store store = client.connect("bob", "pw-bob");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        assertThat(client.trace()).contains("AUTHENTICATE PLAIN");
    }

    @Test
    void authenticateCramMd5WithAPlaintextAndACramMd5StoredPassword() throws Exception {
        for (String user : List.of("carol", "tim")) {
            AngusClient client = AngusClient.imap(port()).sasl("CRAM-MD5");
            Store store = client.connect(user, "pw-" + user);
            assertThat(store.getFolder("INBOX").exists()).isTrue();
            store.close();
            assertThat(client.trace()).contains("AUTHENTICATE CRAM-MD5").doesNotContain(" LOGIN ");
        }
    }

    @Test
    void hashedStoredPasswordWorksForLoginAndRefusesCramMd5() throws Exception {
        Store store = AngusClient.imap(port()).loginCommand().connect("hank", "pw-hank");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        AngusClient cram = AngusClient.imap(port()).sasl("CRAM-MD5");
        assertThatThrownBy(() -> cram.connect("hank", "pw-hank")).isInstanceOf(MessagingException.class);
        assertThat(cram.trace()).contains("NO [AUTHENTICATIONFAILED]");
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameRefusal() {
        for (String[] login : List.of(new String[] {"bob", "wrong"}, new String[] {"nobody", "pw"},
                new String[] {"hank", "wrong"})) {
            AngusClient client = AngusClient.imap(port());
            assertThatThrownBy(() -> client.connect(login[0], login[1])).isInstanceOf(MessagingException.class);
            assertThat(client.trace()).contains("NO [AUTHENTICATIONFAILED] Authentication failed.");
        }
    }

    @Test
    void fetchOfA5MegabyteMessageIsByteIdenticalToADirectFetch() throws Exception {
        byte[] payload = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        MimeMessage big = message("dave@example.org", "big", "see attachment");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("see attachment");
        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(payload, "application/octet-stream")));
        attachment.setFileName("payload.bin");
        big.setContent(new MimeMultipart(text, attachment));
        big.saveChanges();
        deliver("dave", big);

        byte[] direct = fetchRaw(AngusClient.imap(TestBackend.imapPort(greenMail)).loginCommand(), "dave*proxy", "secret");
        byte[] proxied = fetchRaw(AngusClient.imap(port()), "dave", "pw-dave");
        assertThat(direct.length).isGreaterThan(5 * 1024 * 1024);
        assertThat(Arrays.equals(proxied, direct)).as("proxied fetch is byte-identical").isTrue();
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(proxied));
        MimeBodyPart part = (MimeBodyPart) ((MimeMultipart) parsed.getContent()).getBodyPart(1);
        assertThat(part.getInputStream().readAllBytes()).isEqualTo(payload);
    }

    private static byte[] fetchRaw(AngusClient client, String user, String password) throws MessagingException, IOException {
        Store store = client.connect(user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            inbox.getMessage(inbox.getMessageCount()).writeTo(raw);
            inbox.close(false);
            return raw.toByteArray();
        } finally {
            store.close();
        }
    }

    @Test
    void appendWithALiteral() throws Exception {
        AngusClient client = AngusClient.imap(port());
        Store store = client.connect("erin", "pw-erin");
        store.getFolder("INBOX").appendMessages(new Message[] {message("erin@example.org", "appended via proxy", "body")});
        store.close();
        assertThat(client.trace()).containsPattern("APPEND INBOX .*\\{\\d+\\+?}");
        Store direct = AngusClient.imap(TestBackend.imapPort(greenMail)).loginCommand().connect("erin*proxy", "secret");
        Folder inbox = direct.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessage(inbox.getMessageCount()).getSubject()).isEqualTo("appended via proxy");
        inbox.close(false);
        direct.close();
    }

    @Test
    void idleSeesAMessageArrive() throws Exception {
        AngusClient client = AngusClient.imap(port());
        Store store = client.connect("frank", "pw-frank");
        IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        CountDownLatch arrived = new CountDownLatch(1);
        inbox.addMessageCountListener(new MessageCountAdapter() {
            @Override
            public void messagesAdded(MessageCountEvent e) {
                arrived.countDown();
            }
        });
        ExecutorService idler = Executors.newSingleThreadExecutor();
        try {
            Future<?> idle = idler.submit(() -> {
                inbox.idle(true);
                return null;
            });
            Await.until(() -> "the client is idling", Duration.ofSeconds(10),
                    () -> IDLE_ACCEPTED.matcher(client.trace()).find());
            deliver("frank", message("frank@example.org", "while idle", "ping"));
            assertThat(arrived.await(10, TimeUnit.SECONDS)).as("message seen during IDLE").isTrue();
            idle.get(10, TimeUnit.SECONDS);
        } finally {
            idler.shutdownNow();
        }
        inbox.close(false);
        store.close();
    }

    @Test
    void scramSha256AndSha1OverARawSocket() throws Exception {
        for (String mechanism : List.of("SCRAM-SHA-256", "SCRAM-SHA-1")) {
            try (RawImapClient client = new RawImapClient(port())) {
                assertThat(client.readLine()).contains("AUTH=" + mechanism);
                TestSasl.ScramClient scram = new TestSasl.ScramClient(mechanism, "gina", "pw-gina");
                client.send("a AUTHENTICATE " + mechanism + " " + TestSasl.b64(scram.clientFirst()) + "\r\n");
                String serverFirst = TestSasl.unb64(continuation(client.readLine()));
                client.send(TestSasl.b64(scram.clientFinal(serverFirst)) + "\r\n");
                assertThat(scram.serverFinalValid(TestSasl.unb64(continuation(client.readLine())))).isTrue();
                client.send("\r\n");
                assertThat(client.tagged("a")).startsWith("a OK");
                client.send("b SELECT INBOX\r\n");
                assertThat(client.tagged("b")).startsWith("b OK");
                client.send("c LOGOUT\r\n");
                assertThat(client.tagged("c")).startsWith("c OK");
            }
        }
    }

    @Test
    void cramMd5OverARawSocketFromACramMd5StoredPassword() throws Exception {
        try (RawImapClient client = new RawImapClient(port())) {
            client.readLine();
            client.send("a AUTHENTICATE CRAM-MD5\r\n");
            client.send(TestSasl.cramResponse("tim", "wrong", continuation(client.readLine())) + "\r\n");
            assertThat(client.tagged("a")).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
            client.send("b AUTHENTICATE CRAM-MD5\r\n");
            client.send(TestSasl.cramResponse("tim", "pw-tim", continuation(client.readLine())) + "\r\n");
            assertThat(client.tagged("b")).startsWith("b OK");
            client.send("c LOGOUT\r\n");
            assertThat(client.tagged("c")).startsWith("c OK");
        }
    }

    @Test
    void scramAgainstAHashedPasswordIsRefusedCleanly() throws Exception {
        try (RawImapClient client = new RawImapClient(port())) {
            client.readLine();
            TestSasl.ScramClient scram = new TestSasl.ScramClient("SCRAM-SHA-256", "hank", "pw-hank");
            client.send("a AUTHENTICATE SCRAM-SHA-256 " + TestSasl.b64(scram.clientFirst()) + "\r\n");
            String serverFirst = TestSasl.unb64(continuation(client.readLine()));
            client.send(TestSasl.b64(scram.clientFinal(serverFirst)) + "\r\n");
            assertThat(client.tagged("a")).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
            client.send("b NOOP\r\n");
            assertThat(client.tagged("b")).isEqualTo("b OK NOOP completed.");
        }
    }

    static String continuation(String line) {
        assertThat(line).startsWith("+ ");
        return line.substring(2);
    }
}
