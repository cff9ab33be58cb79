package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.passdb.jdbc.JdbcPassDb;
import io.github.mailproxy.testing.LeakCheck;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The README's embedding example works as written. */
class EmbeddingExampleTest {

    @Test
    void proxyInFrontOfGreenMailServesAnImapLogin() throws Exception {
        GreenMail backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        backend.start();
        try {
            backend.setUser("erin@example.org", "erin", "erin-secret");
            ProxyServer server = EmbeddingExample.start("127.0.0.1", backend.getImap().getPort());
            try {
                assertThat(MailClient.inboxSubjects("imap", server.port(ImapProtocol.NAME), "erin", "erin-secret"))
                        .isEmpty();
                LeakCheck.assertNothingLeaked(server);
            } finally {
                server.close();
            }
        } finally {
            backend.stop();
        }
    }

    @Test
    void jdbcBuilderExampleRoutesWithTheSeedsQuery() throws Exception {
        GreenMail backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        backend.start();
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:embedding-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        try (java.sql.Connection c = h2.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE proxy (\"user\" varchar(255) PRIMARY KEY, host varchar(16), port int,"
                    + " destuser varchar(255) NOT NULL default '')");
            s.execute("INSERT INTO proxy VALUES ('erin', '127.0.0.1', " + backend.getImap().getPort() + ", '')");
            backend.setUser("erin@example.org", "erin", "erin-secret");
            JdbcPassDb passDb = new JdbcPassDb(h2,
                    "SELECT NULL AS password, host, port, destuser, 'Y' AS proxy FROM proxy WHERE \"user\" = '%u'");
            ProxyServer server = EmbeddingExample.startWithJdbc(passDb);
            try {
                assertThat(MailClient.inboxSubjects("imap", server.port(ImapProtocol.NAME), "erin", "erin-secret"))
                        .isEmpty();
                LeakCheck.assertNothingLeaked(server);
            } finally {
                server.close();
                passDb.close();
                s.execute("SHUTDOWN");
            }
        } finally {
            backend.stop();
        }
    }
}
