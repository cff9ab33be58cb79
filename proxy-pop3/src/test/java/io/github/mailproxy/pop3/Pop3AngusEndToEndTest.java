package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.user.GreenMailUser;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestTls;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Angus Mail's POP3 provider through the proxy to GreenMail: what it gets must equal a direct connection. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pop3AngusEndToEndTest {

    private static final int MANY = 100;
    static final int BIG = 5 * 1024 * 1024;

    private GreenMailBackend backend;
    private ProxyServer plain;
    private ProxyServer starttls;
    private GreenMailUser dave;

    @BeforeAll
    void start() {
        backend = new GreenMailBackend();
        GreenMailUser alice = backend.user("alice", "alicepw");
        for (int i = 1; i <= MANY; i++) {
            alice.deliver(GreenMailBackend.message("alice@example.org", "message " + i, "Body of message " + i + ".\r\n"));
        }
        backend.user("big", "bigpw").deliver(bigMessage());
        dave = backend.user("dave", "davepw");
        for (int i = 1; i <= 3; i++) {
            dave.deliver(GreenMailBackend.message("dave@example.org", "dave " + i, "d" + i));
        }
        StaticPassDb passDb = StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y");
        plain = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authFailureDelay(Duration.ZERO)
                .eventLoops(2)
                .build()
                .start();
        starttls = ProxyServer.builder()
                .listen(Pop3Protocol.starttls(new InetSocketAddress("127.0.0.1", 0), TestTls.serverContext()))
                .passDb(passDb)
                .plaintextAuth(PlaintextAuth.TLS_ONLY)
                .authFailureDelay(Duration.ZERO)
                .eventLoops(1)
                .build()
                .start();
    }

    @AfterAll
    void stop() {
        try {
            LeakCheck.assertNothingLeaked(plain);
            LeakCheck.assertNothingLeaked(starttls);
        } finally {
            plain.close();
            starttls.close();
            backend.close();
        }
    }

    static MimeMessage bigMessage() {
        StringBuilder body = new StringBuilder(BIG + 100);
        for (int line = 0; body.length() < BIG; line++) {
            // a leading dot on some lines exercises POP3 dot-stuffing through the relay
            body.append(line % 7 == 0 ? "." : "").append(Integer.toHexString(line * 2654435761L > 0 ? line : -line))
                    .append(" the quick brown fox jumps over the lazy dog 0123456789\r\n");
        }
        return GreenMailBackend.message("big@example.org", "big", body.toString());
    }

    /** A POP3 client session; {@code trace} collects Angus' protocol trace. */
    static Session mailSession(int port, String mechanism, ByteArrayOutputStream trace) {
        Properties p = new Properties();
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(port));
        p.put("mail.pop3.connectiontimeout", "10000");
        p.put("mail.pop3.timeout", "20000");
        p.put("mail.pop3.auth.mechanisms", mechanism);
        p.put("mail.pop3.auth.plain.disable", "false");
        Session session = Session.getInstance(p);
        if (trace != null) {
            session.setDebugOut(new PrintStream(trace, true, StandardCharsets.UTF_8));
            session.setDebug(true);
        }
        return session;
    }

    static Store connect(Session session, String user, String password) throws MessagingException {
        Store store = session.getStore("pop3");
        store.connect(user, password);
        return store;
    }

    static byte[] raw(Message m) throws IOException, MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }

    /**
     * STAT, LIST, UIDL and RETR of every message, through the given store. The sessions of both
     * sides disable TOP: GreenMail does not list it in CAPA while the proxy does, and Angus computes
     * sizes differently once it has fetched headers with TOP.
     */
    static List<Object> readAll(Store store) throws Exception {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        try {
            List<Object> seen = new ArrayList<>();
            seen.add(inbox.getMessageCount());
            for (Message m : inbox.getMessages()) {
                seen.add(m.getSize());
                seen.add(((POP3Folder) inbox).getUID(m));
                seen.add(new String(raw(m), StandardCharsets.ISO_8859_1));
            }
            return seen;
        } finally {
            inbox.close(false);
        }
    }

    @Test
    void userPassGetsEveryMessageAsDirectly() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        List<Object> proxied;
        Session viaProxy = mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", trace);
        viaProxy.getProperties().put("mail.pop3.disabletop", "true");
        try (Store store = connect(viaProxy, "alice", "alicepw")) {
            proxied = readAll(store);
        }
        List<Object> direct;
        Session directly = mailSession(backend.port(), "LOGIN", null);
        directly.getProperties().put("mail.pop3.disabletop", "true");
        try (Store store = connect(directly, "alice", "alicepw")) {
            direct = readAll(store);
        }
        assertThat(proxied.get(0)).isEqualTo(MANY);
        assertThat(proxied).hasSize(1 + 3 * MANY).isEqualTo(direct);
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("Using mechanism LOGIN", "STAT", "LIST", "UIDL", "RETR 100");
    }

    @Test
    void authPlainLogsIn() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = connect(mailSession(plain.port(Pop3Protocol.NAME), "PLAIN", trace), "alice", "alicepw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(MANY);
            inbox.close(false);
        }
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("Using mechanism PLAIN", "+OK 100 ");
    }

    @Test
    void wrongPasswordIsAnAuthenticationFailure() {
        Session session = mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connect(session, "alice", "nope").close())
                .isInstanceOf(jakarta.mail.AuthenticationFailedException.class)
                .hasMessageContaining("[AUTH] Authentication failed.");
    }

    @Test
    void stlsThenLogin() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        Session session = mailSession(starttls.port(Pop3Protocol.NAME), "LOGIN", trace);
        session.getProperties().put("mail.pop3.starttls.enable", "true");
        session.getProperties().put("mail.pop3.starttls.required", "true");
        session.getProperties().put("mail.pop3.ssl.socketFactory", TestTls.clientContext().getSocketFactory());
        try (Store store = connect(session, "alice", "alicepw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(MANY);
            assertThat(inbox.getMessage(7).getSubject()).isEqualTo("message 7");
            inbox.close(false);
        }
        assertThat(trace.toString(StandardCharsets.UTF_8))
                .contains("STLS", "+OK Begin TLS negotiation", "Using mechanism LOGIN", "authentication command succeeded");
    }

    @Test
    void fiveMegabyteMessageIsByteIdentical() throws Exception {
        byte[] proxied;
        byte[] direct;
        try (Store store = connect(mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", null), "big", "bigpw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            proxied = raw(inbox.getMessage(1));
            inbox.close(false);
        }
        try (Store store = connect(mailSession(backend.port(), "LOGIN", null), "big", "bigpw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            direct = raw(inbox.getMessage(1));
            inbox.close(false);
        }
        assertThat(proxied.length).isGreaterThan(BIG);
        assertThat(proxied).isEqualTo(direct);
    }

    @Test
    void topFetchesHeadersOnly() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        try (Store store = connect(mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", trace), "alice", "alicepw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(42).getSubject()).isEqualTo("message 42");
            inbox.close(false);
        }
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("TOP 42 0").doesNotContain("RETR 42");
    }

    @Test
    void deleteAndQuitRemovesTheMessageAtTheBackend() throws Exception {
        int before = backend.messageCount(dave);
        try (Store store = connect(mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", null), "dave", "davepw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(true); // DELE 1, QUIT
        }
        assertThat(backend.messageCount(dave)).isEqualTo(before - 1);
    }

    @Test
    void closingWithoutExpungeKeepsTheMessage() throws Exception {
        int before = backend.messageCount(dave);
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        Session session = mailSession(plain.port(Pop3Protocol.NAME), "LOGIN", trace);
        session.getProperties().put("mail.pop3.rsetbeforequit", "true");
        try (Store store = connect(session, "dave", "davepw")) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(false); // RSET, QUIT
        }
        assertThat(trace.toString(StandardCharsets.UTF_8)).contains("RSET");
        assertThat(backend.messageCount(dave)).isEqualTo(before);
    }
}
