package io.github.mailproxy.passdb.jdbc;

import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.lookup;
import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The database goes away mid-run and comes back. A relay on loopback stands in front of the real
 * MariaDB or PostgreSQL (stopping the shared server itself would disturb everything else on the
 * machine); cutting it cuts every pooled connection and refuses new ones, as a stopped server does.
 */
@ParameterizedClass
@EnumSource(value = TestDatabase.class, names = {"MARIADB", "POSTGRESQL"})
class OutageTest {

    @Parameter
    TestDatabase db;

    private TcpRelay relay;
    private HikariDataSource pool;
    private JdbcPassDb passDb;

    @BeforeEach
    void start() throws SQLException, IOException {
        db.open("mp_jdbc_outage_test").close();
        int port = db == TestDatabase.MARIADB ? 3306 : 5432;
        relay = new TcpRelay(new InetSocketAddress("127.0.0.1", port)).start();
        String url = db.url("mp_jdbc_outage_test").replace("127.0.0.1:" + port, "127.0.0.1:" + relay.port());
        pool = db.pool(url);
        passDb = JdbcPassDb.builder(pool, db.seedQuery()).queryTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() throws IOException {
        passDb.close();
        pool.close();
        relay.close();
    }

    @Test
    void lookupsFailTemporarilyWhileTheDatabaseIsAwayAndWorkWhenItIsBack() throws IOException {
        assertThat(lookup(passDb, request("john")).isFound()).isTrue();

        relay.stop();
        assertThat(lookup(passDb, request("john")).status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(lookup(passDb, request("nobody")).status()).as("not 'unknown user' either")
                .isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);

        relay.start();
        Await.until("lookups work again", Duration.ofSeconds(30), () -> lookup(passDb, request("john")).isFound());
    }

    @Test
    void imapClientsAreToldUnavailableAndLogInAgainOnceTheDatabaseIsBack() throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE proxy SET host = '127.0.0.1' WHERE " + db.userColumn() + " = 'john'");
        }
        GreenMail backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort());
        backend.start();
        backend.setUser("john", "john", "secret-john");
        // The seed's query gives no port; this one adds the backend's, leaving the rest as the seed has it.
        try (JdbcPassDb withPort = new JdbcPassDb(pool, db.seedQuery().replace("'Y' AS proxy",
                "'Y' AS proxy, " + backend.getImap().getPort() + " AS port"))) {
            ProxyServer proxy = ProxyServer.builder()
                    .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                    .passDb(withPort)
                    .build().start();
            try {
                int port = proxy.port(ImapProtocol.NAME);
                assertThat(login(port, "john", "secret-john")).startsWith("a1 OK");

                relay.stop();
                assertThat(login(port, "john", "secret-john")).startsWith("a1 NO [UNAVAILABLE]");

                relay.start();
                Await.until("logins work again without restarting the proxy", Duration.ofSeconds(30),
                        () -> login(port, "john", "secret-john").startsWith("a1 OK"));
                LeakCheck.assertNothingLeaked(proxy);
            } finally {
                proxy.close();
                backend.stop();
            }
        }
    }

    private static String login(int port, String user, String password) {
        try (RawImap client = new RawImap(port)) {
            String reply = client.login(user, password);
            if (reply.startsWith("a1 OK")) {
                client.command("a2 LOGOUT", "a2 ");
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
