package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
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
import java.util.List;
import java.util.Properties;
import java.util.Random;
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
 * GreenMail as the backend, Angus Mail as the client, the proxy in between on a plain listener:
 * after login the client gets what it would get connected directly. Over TLS, with each provider:
 * {@link ImapTlsConversationTest}.
 */
class ImapEndToEndTest {

    /** The client's IDLE command followed by the backend's continuation, as Angus traces them. */
    private static final Pattern IDLE_ACCEPTED = Pattern.compile("\\sIDLE\\r?\\n\\+");

    private static GreenMail greenMail;
    private static ProxyServer plain;

    @BeforeAll
    static void start() {
        greenMail = TestBackend.startGreenMail();
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            greenMail.setUser(user + "@example.org", user, "pw-" + user);
        }
        String passDb = "proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail) + " nopassword=y";
        plain = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse(passDb))
                .build().start();
    }

    @AfterAll
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(plain);
        } finally {
            plain.close();
            greenMail.stop();
        }
    }

    private static int port(ProxyServer server) {
        return server.port(ImapProtocol.NAME);
    }

    private static MimeMessage message(String to, String subject, String text) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText(text);
        message.saveChanges();
        return message;
    }

    private static void deliver(String user, MimeMessage message) {
        GreenMailUser owner = greenMail.getUserManager().getUser(user);
        owner.deliver(message);
    }

    @Test
    void loginCommandSelectAndLogout() throws Exception {
        deliver("alice", message("alice@example.org", "hello alice", "first"));
        AngusClient client = AngusClient.imap(port(plain)).loginCommand();
        Store store = client.connect("alice", "pw-alice");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo("hello alice");
        inbox.close(false);
        store.close();
        String trace = client.trace();
        assertThat(trace).contains(" LOGIN alice ").doesNotContain("AUTHENTICATE");
        assertThat(trace).contains("OK [CAPABILITY IMAP4rev1").contains("* BYE");
    }

    @Test
    void authenticatePlain() throws Exception {
        AngusClient client = AngusClient.imap(port(plain)).authenticatePlain();
        Store store = client.connect("bob", "pw-bob");
        assertThat(store.getFolder("INBOX").exists()).isTrue();
        store.close();
        assertThat(client.trace()).contains("AUTHENTICATE PLAIN");
    }

    @Test
    void wrongPasswordIsRefused() {
        AngusClient client = AngusClient.imap(port(plain));
        try {
            client.connect("bob", "wrong").close();
            throw new AssertionError("login with a wrong password succeeded");
        } catch (MessagingException expected) {
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

        byte[] direct = fetchRaw(AngusClient.imap(TestBackend.imapPort(greenMail)), "dave");
        byte[] proxied = fetchRaw(AngusClient.imap(port(plain)), "dave");
        assertThat(direct.length).isGreaterThan(5 * 1024 * 1024);
        assertThat(Arrays.equals(proxied, direct)).as("proxied fetch is byte-identical").isTrue();
        // the 5 MB really made it through intact, not just the same truncation
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(proxied));
        MimeBodyPart part = (MimeBodyPart) ((MimeMultipart) parsed.getContent()).getBodyPart(1);
        assertThat(part.getInputStream().readAllBytes()).isEqualTo(payload);
    }

    private static String tail(String trace) {
        return trace.substring(Math.max(0, trace.length() - 1500));
    }

    private static byte[] fetchRaw(AngusClient client, String user) throws MessagingException, IOException {
        Store store = client.connect(user, "pw-" + user);
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
        AngusClient client = AngusClient.imap(port(plain));
        Store store = client.connect("erin", "pw-erin");
        Folder inbox = store.getFolder("INBOX");
        inbox.appendMessages(new Message[] {message("erin@example.org", "appended via proxy", "body\r\nline 2")});
        store.close();
        assertThat(client.trace()).containsPattern("APPEND INBOX .*\\{\\d+\\+?}");
        assertThat(greenMail.getReceivedMessages()).extracting(MimeMessage::getSubject).contains("appended via proxy");
    }

    @Test
    void idleSeesAMessageArrive() throws Exception {
        AngusClient client = AngusClient.imap(port(plain));
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
            // the backend has accepted IDLE once its continuation reached the client through the relay
            Await.until(() -> "the client is idling; trace: " + tail(client.trace()), Duration.ofSeconds(10),
                    () -> IDLE_ACCEPTED.matcher(client.trace()).find());
            deliver("frank", message("frank@example.org", "while idle", "ping"));
            assertThat(arrived.await(10, TimeUnit.SECONDS)).as("message seen during IDLE").isTrue();
            idle.get(10, TimeUnit.SECONDS);
        } finally {
            idler.shutdownNow();
        }
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        inbox.close(false);
        store.close();
    }
}
