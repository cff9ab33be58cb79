package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 200 users logged in through the proxy at the same time; each sees its own mailbox and no other. */
class ImapConcurrentSessionsTest {

    private static final int USERS = 200;

    private static GreenMail greenMail;
    private static ProxyServer server;

    @BeforeAll
    static void start() throws Exception {
        greenMail = TestBackend.startGreenMail();
        for (int i = 0; i < USERS; i++) {
            GreenMailUser user = greenMail.setUser("user" + i + "@example.org", "user" + i, "pw" + i);
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
            message.setFrom(new InternetAddress("sender@example.org"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("user" + i + "@example.org"));
            message.setSubject("mailbox of user" + i);
            message.setText("for user" + i + " only");
            user.deliver(message);
        }
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
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

    @Test
    void twoHundredUsersAtOnceEachSeeOnlyTheirOwnMailbox() throws Exception {
        int port = server.port(ImapProtocol.NAME);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Store> stores = new ArrayList<>();
        try {
            // phase 1: log everybody in and keep the sessions open
            List<Callable<Store>> logins = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                int n = i;
                logins.add(() -> AngusClient.imap(port).connect("user" + n, "pw" + n));
            }
            for (Future<Store> login : pool.invokeAll(logins, 120, TimeUnit.SECONDS)) {
                stores.add(login.get());
            }
            Await.until(() -> "200 open sessions, " + server.stats(), Duration.ofSeconds(10),
                    () -> server.stats().openSessions() == USERS && server.stats().openBackendConnections() == USERS);

            // phase 2: with all 200 relayed at once, each reads its own mailbox
            List<Callable<String>> reads = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                Store store = stores.get(i);
                reads.add(() -> {
                    Folder inbox = store.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    try {
                        assertThat(inbox.getMessageCount()).isEqualTo(1);
                        return inbox.getMessage(1).getSubject();
                    } finally {
                        inbox.close(false);
                    }
                });
            }
            List<Future<String>> subjects = pool.invokeAll(reads, 120, TimeUnit.SECONDS);
            for (int i = 0; i < USERS; i++) {
                assertThat(subjects.get(i).get()).isEqualTo("mailbox of user" + i);
            }
        } finally {
            for (Store store : stores) {
                store.close();
            }
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
