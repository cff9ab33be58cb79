package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.examples.MailClient;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.AuthenticationFailedException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher with each kind of passdb, in front of GreenMail: passwd-file, jdbc on H2 in-process,
 * a Dovecot {@code dovecot-ldap.conf.ext} on UnboundID's in-memory directory,
 * and a Dovecot {@code dovecot-sql.conf} on the MariaDB server at 127.0.0.1:3306 (root, no password),
 * which runs on the build machines and in CI. (The static passdb: {@link LauncherTest}.)
 */
class LauncherPassDbTest {

    private static final String MARIADB_DB = "mp_examples_launcher_test";

    private static GreenMail backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3)});
        backend.start();
        backend.setUser("erin@example.org", "erin", "erin-secret");
    }

    @AfterAll
    static void stopBackend() {
        backend.stop();
    }

    private RunningProxy startFromFile(String text) throws IOException {
        Path file = dir.resolve("mailproxy.properties");
        Files.writeString(file, text);
        return Launcher.start(LauncherConfig.load(file));
    }

    /** Logs in over IMAP and POP3 as {@code user} with erin's password, which lands in erin's mailbox. */
    private static void loginsReachErin(RunningProxy proxy, String user) throws Exception {
        try {
            assertThat(MailClient.inboxSubjects("imap", proxy.server().port("imap"), user, "erin-secret")).isEmpty();
            assertThat(MailClient.inboxSubjects("pop3", proxy.server().port("pop3"), user, "erin-secret")).isEmpty();
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    private static String listeners() {
        return "imap.listen = 127.0.0.1:0\npop3.listen = 127.0.0.1:0\nauth.failure-delay = 0\n";
    }

    @Test
    void passwdFileRoutesItsUsersAndChecksAStoredPassword() throws Exception {
        Path users = Files.writeString(dir.resolve("users"), """
                erin:{PLAIN}erin-secret::::::proxy host=127.0.0.1 port=%d
                """.formatted(backend.getImap().getPort()));
        RunningProxy proxy = startFromFile(listeners().replace("pop3.listen = 127.0.0.1:0\n", "") + """
                passdb = passwd-file
                passdb.passwd-file = %s
                """.formatted(users));
        try {
            assertThat(MailClient.inboxSubjects("imap", proxy.server().port("imap"), "erin", "erin-secret")).isEmpty();
            // the stored password is checked before anything is forwarded
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", proxy.server().port("imap"), "erin", "wrong-one"))
                    .isInstanceOf(AuthenticationFailedException.class);
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    @Test
    void ldapFromADovecotLdapConfChecksThePasswordByBindingAndRoutes() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0,
                null));
        config.setSchema(null);
        InMemoryDirectoryServer ldap = new InMemoryDirectoryServer(config);
        ldap.add("dn: dc=example,dc=org", "objectClass: domain", "dc: example");
        ldap.add("dn: uid=erin,dc=example,dc=org", "objectClass: inetOrgPerson", "uid: erin",
                "userPassword: erin-secret", "mailHost: 127.0.0.1", "mailPort: " + backend.getImap().getPort());
        ldap.startListening();
        try {
            Path conf = Files.writeString(dir.resolve("dovecot-ldap.conf.ext"), """
                    uris = ldap://127.0.0.1:%d
                    base = dc=example,dc=org
                    auth_bind = yes
                    pass_filter = (&(objectClass=inetOrgPerson)(uid=%%n))
                    pass_attrs = uid=user, mailHost=host, mailPort=port, =proxy=y
                    """.formatted(ldap.getListenPort()));
            RunningProxy proxy = startFromFile(listeners().replace("pop3.listen = 127.0.0.1:0\n", "") + """
                    passdb = ldap
                    passdb.dovecot-ldap-conf = %s
                    auth.cache.size = 100
                    """.formatted(conf));
            try {
                int port = proxy.server().port("imap");
                assertThat(MailClient.inboxSubjects("imap", port, "erin", "erin-secret")).isEmpty();
                // cached right answer or not, a wrong password is refused by the directory
                assertThatThrownBy(() -> MailClient.inboxSubjects("imap", port, "erin", "wrong-one"))
                        .isInstanceOf(AuthenticationFailedException.class);
                assertThat(MailClient.inboxSubjects("imap", port, "erin", "erin-secret")).isEmpty();
                LeakCheck.assertNothingLeaked(proxy.server());
            } finally {
                proxy.close();
            }
        } finally {
            ldap.shutDown(true);
        }
    }

    @Test
    void ldapWithABadSettingFailsAtStartNamingTheKeyAndTheSetting() throws Exception {
        Path conf = Files.writeString(dir.resolve("dovecot-ldap.conf.ext"), "hosts = 127.0.0.1\nbase = dc=x\nscope = deep\n");
        assertThatThrownBy(() -> startFromFile(listeners() + """
                passdb = ldap
                passdb.dovecot-ldap-conf = %s
                """.formatted(conf)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("passdb.dovecot-ldap-conf: ").hasMessageContaining("scope");
    }

    @Test
    void jdbcOnH2RunsTheQueryAndHonoursDestuser() throws Exception {
        String url = "jdbc:h2:mem:launcher-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            // the seed's table plus a port per protocol; "user" quoted, as H2 reads a bare user as CURRENT_USER
            s.execute("CREATE TABLE proxy (\"user\" varchar(255) NOT NULL, host varchar(16) default NULL,"
                    + " imap_port int, pop3_port int, destuser varchar(255) NOT NULL default '', PRIMARY KEY (\"user\"))");
            s.execute("INSERT INTO proxy VALUES ('e.smith', '127.0.0.1', " + backend.getImap().getPort() + ", "
                    + backend.getPop3().getPort() + ", 'erin')");
            RunningProxy proxy = startFromFile(listeners() + """
                    passdb = jdbc
                    passdb.jdbc.url = %s
                    passdb.jdbc.user = sa
                    passdb.jdbc.query = SELECT NULL AS password, host, destuser, 'Y' AS proxy, \\
                      CASE WHEN '%%s' = 'pop3' THEN pop3_port ELSE imap_port END AS port \\
                      FROM proxy WHERE "user" = '%%u'
                    passdb.jdbc.pool-size = 2
                    auth.cache.size = 100
                    """.formatted(url));

            loginsReachErin(proxy, "e.smith");
        } finally {
            try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
        }
    }

    @Test
    void jdbcThatCannotConnectFailsAtStartNamingTheKey() throws Exception {
        String url = "jdbc:mariadb://127.0.0.1:1/nowhere?connectTimeout=2000";

        assertThatThrownBy(() -> startFromFile(listeners() + """
                passdb = jdbc
                passdb.jdbc.url = %s
                passdb.jdbc.query = SELECT host FROM proxy WHERE user = '%%u'
                """.formatted(url)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("passdb.jdbc.url: cannot connect to " + url + ": ");
    }

    @Test
    void dovecotSqlConfOnMariaDbWithTheSeedsUnquotedUserColumn() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/test", "root", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + MARIADB_DB);
            s.execute("CREATE DATABASE " + MARIADB_DB);
            s.execute("USE " + MARIADB_DB);
            // the seed's table, with a port column: the backends here do not listen on 143 and 110
            s.execute("CREATE TABLE proxy (user varchar(255) NOT NULL, host varchar(16) default NULL,"
                    + " port int, destuser varchar(255) NOT NULL default '', PRIMARY KEY (user))");
            insertErin(s, "e.smith", backend.getImap().getPort());
        }
        Path conf = Files.writeString(dir.resolve("dovecot-sql.conf"), """
                # Database driver: mysql, pgsql
                driver = mysql
                connect = host=127.0.0.1 port=3306 dbname=%s user=root
                password_query = SELECT NULL AS password, host, port, destuser, 'Y' AS proxy FROM proxy WHERE user = '%%u'
                """.formatted(MARIADB_DB));
        RunningProxy proxy = startFromFile(listeners().replace("pop3.listen = 127.0.0.1:0\n", "") + """
                passdb = jdbc
                passdb.dovecot-sql-conf = %s
                """.formatted(conf));
        try {
            assertThat(MailClient.inboxSubjects("imap", proxy.server().port("imap"), "e.smith", "erin-secret"))
                    .isEmpty();
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", proxy.server().port("imap"), "nobody", "x-y-z"))
                    .isInstanceOf(AuthenticationFailedException.class);
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    private static void insertErin(Statement s, String user, int port) throws SQLException {
        s.execute("INSERT INTO proxy VALUES ('" + user + "', '127.0.0.1', " + port + ", 'erin')");
    }
}
