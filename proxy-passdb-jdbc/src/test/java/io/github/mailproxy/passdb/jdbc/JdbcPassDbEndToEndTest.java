package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * IMAP client (Angus Mail) → proxy → GreenMail, with the JdbcPassDb on H2, MariaDB and PostgreSQL
 * holding the seed's {@code proxy} table and answering the seed's query. Two GreenMail servers on
 * two loopback addresses stand for the two hosts of the table; the seed's query gives no port, so
 * both listen on IMAP's own port 143 (this machine runs the tests as root).
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcPassDbEndToEndTest {

    private static final String HOST_A = "127.0.0.2";
    private static final String HOST_B = "127.0.0.3";

    private static GreenMail backendA;
    private static GreenMail backendB;

    @Parameter
    TestDatabase db;

    private HikariDataSource dataSource;
    private final List<ProxyServer> servers = new ArrayList<>();
    private final List<JdbcPassDb> passDbs = new ArrayList<>();

    @BeforeAll
    static void startBackends() throws MessagingException {
        backendA = new GreenMail(new ServerSetup(143, HOST_A, ServerSetup.PROTOCOL_IMAP));
        backendB = new GreenMail(new ServerSetup(143, HOST_B, ServerSetup.PROTOCOL_IMAP));
        backendA.start();
        backendB.start();
        backendA.setUser("john@example.org", "john", "secret-john")
                .deliver(message("john@example.org", "for john, on host A"));
        backendB.setUser("joe@foo", "joe@foo", "secret-joe")
                .deliver(message("joe@foo", "for joe@foo, on host B"));
    }

    @AfterAll
    static void stopBackends() {
        backendA.stop();
        backendB.stop();
    }

    @BeforeEach
    void openDatabase() throws SQLException {
        dataSource = db.open("mp_jdbc_e2e_test");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE proxy SET host = '" + HOST_A + "' WHERE " + db.userColumn() + " = 'john'");
            s.execute("UPDATE proxy SET host = '" + HOST_B + "' WHERE " + db.userColumn() + " = 'joe'");
        }
    }

    @AfterEach
    void closeAll() {
        try {
            for (ProxyServer server : servers) {
                LeakCheck.assertNothingLeaked(server);
            }
        } finally {
            servers.forEach(ProxyServer::close);
            passDbs.forEach(JdbcPassDb::close);
            dataSource.close();
        }
    }

    @Test
    void eachUserLandsOnItsOwnHostAndDestuserIsHonoured() throws MessagingException {
        ProxyServer proxy = proxy(db.seedQuery(), null);

        assertThat(inboxSubjects(proxy, "john", "secret-john")).containsExactly("for john, on host A");
        assertThat(inboxSubjects(proxy, "joe", "secret-joe")).as("logged in at B as destuser joe@foo")
                .containsExactly("for joe@foo, on host B");
    }

    @Test
    void unknownUserIsRefused() throws Exception {
        ProxyServer proxy = proxy(db.seedQuery(), null);

        try (RawImap client = new RawImap(proxy.port(ImapProtocol.NAME))) {
            assertThat(client.login("nobody", "secret")).startsWith("a1 NO [AUTHENTICATIONFAILED]");
        }
    }

    @Test
    void wrongPasswordIsRefusedByTheBackend() throws Exception {
        ProxyServer proxy = proxy(db.seedQuery(), null);

        try (RawImap client = new RawImap(proxy.port(ImapProtocol.NAME))) {
            assertThat(client.login("john", "wrong")).startsWith("a1 NO");
        }
    }

    @Test
    void withTheAuthCacheManyLoginsOfOneUserCauseOneQuery() throws Exception {
        ProxyServer proxy = proxy("SELECT NULL AS password, host, destuser, 'Y' AS proxy, counted() AS counted "
                + "FROM proxy WHERE " + db.userColumn() + " = '%u'", AuthCacheSpec.maximumSize(4096));

        for (int i = 0; i < 5; i++) {
            try (RawImap client = new RawImap(proxy.port(ImapProtocol.NAME))) {
                assertThat(client.login("john", "secret-john")).startsWith("a1 OK");
                client.command("a2 LOGOUT", "a2 ");
            }
        }
        try (RawImap client = new RawImap(proxy.port(ImapProtocol.NAME))) {
            assertThat(client.login("john", "wrong")).as("a cached user still has the password checked")
                    .startsWith("a1 NO");
        }

        assertThat(queriesCounted()).isEqualTo(1);
        assertThat(proxy.stats().authCacheMisses()).isEqualTo(1);
        assertThat(proxy.stats().authCacheHits()).isEqualTo(5);
    }

    private ProxyServer proxy(String query, AuthCacheSpec cache) {
        JdbcPassDb passDb = new JdbcPassDb(dataSource, query);
        passDbs.add(passDb);
        ProxyServer.Builder builder = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb);
        if (cache != null) {
            builder.authCache(cache);
        }
        ProxyServer server = builder.build();
        servers.add(server);
        return server.start();
    }

    private static List<String> inboxSubjects(ProxyServer proxy, String user, String password)
            throws MessagingException {
        Properties props = new Properties();
        props.setProperty("mail.imap.connectiontimeout", "10000");
        props.setProperty("mail.imap.timeout", "10000");
        Store store = Session.getInstance(props).getStore("imap");
        store.connect("127.0.0.1", proxy.port(ImapProtocol.NAME), user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> subjects = new ArrayList<>();
            for (Message m : inbox.getMessages()) {
                subjects.add(m.getSubject());
            }
            inbox.close(false);
            return subjects;
        } finally {
            store.close();
        }
    }

    private long queriesCounted() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM lookups")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static MimeMessage message(String to, String subject) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText("hello");
        message.saveChanges();
        return message;
    }
}
