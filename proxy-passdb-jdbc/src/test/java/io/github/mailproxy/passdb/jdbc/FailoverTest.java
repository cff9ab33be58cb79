package io.github.mailproxy.passdb.jdbc;

import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.lookup;
import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failover comes from the driver's own multi-host URL: with the first host unreachable, lookups are
 * still served, whether the URL is written by hand or made from a dovecot-sql.conf with
 * {@code host=} twice. On the real MariaDB and PostgreSQL, each in a database of this test's own.
 */
@ParameterizedClass
@EnumSource(value = TestDatabase.class, names = {"MARIADB", "POSTGRESQL"})
class FailoverTest {

    private static final String DATABASE = "mp_jdbc_failover_test";

    @Parameter
    TestDatabase db;

    @TempDir
    Path dir;

    @BeforeEach
    void createDatabase() throws SQLException {
        boolean maria = db == TestDatabase.MARIADB;
        String admin = maria ? "jdbc:mariadb://127.0.0.1:3306/test" : "jdbc:postgresql://127.0.0.1:5432/test";
        try (Connection c = DriverManager.getConnection(admin, db.adminUser(), ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + (maria ? "" : " WITH (FORCE)"));
            s.execute("CREATE DATABASE " + DATABASE);
        }
        try (Connection c = DriverManager.getConnection(url("127.0.0.1:" + port()), db.adminUser(), "");
             Statement s = c.createStatement()) {
            s.execute(db.seedTable());
            s.execute("INSERT INTO proxy VALUES ('john', '10.0.0.1', '')");
            s.execute("INSERT INTO proxy VALUES ('joe', '10.0.0.2', 'joe@foo')");
        }
    }

    @Test
    void firstHostOnAClosedPortStillServesLookups() throws IOException {
        String url = url("127.0.0.1:" + closedPort() + ",127.0.0.1:" + port());
        try (HikariDataSource pool = db.pool(url);
             JdbcPassDb passDb = new JdbcPassDb(pool, db.seedQuery())) {

            assertThat(lookup(passDb, request("john")).field("host")).contains("10.0.0.1");
            assertThat(lookup(passDb, request("joe")).field("destuser")).contains("joe@foo");
        }
    }

    @Test
    void dovecotSqlConfWithTwoHostsFailsOverToTheSecond() throws IOException {
        // The server listens on 127.0.0.1 only, so 127.0.0.2 refuses: the first host is down.
        Path conf = writeConf("host=127.0.0.2 host=127.0.0.1");

        try (JdbcPassDb passDb = JdbcPassDb.fromDovecotSqlConf(conf)) {
            assertThat(lookup(passDb, request("john")).field("host")).contains("10.0.0.1");
            assertThat(lookup(passDb, request("nobody")).isFound()).isFalse();
        }
    }

    @Test
    void dovecotSqlConfWithAPoolOfTheCallersOwn() throws IOException {
        Path conf = writeConf("host=127.0.0.2 host=127.0.0.1");
        AtomicReference<HikariDataSource> made = new AtomicReference<>();

        try (JdbcPassDb passDb = JdbcPassDb.fromDovecotSqlConf(conf, c -> {
            HikariDataSource pool = db.pool(c.jdbcUrl());
            pool.setUsername(c.user());
            pool.setPassword(c.password());
            made.set(pool);
            return pool;
        })) {
            assertThat(made.get().getJdbcUrl()).contains("127.0.0.2:" + port() + ",127.0.0.1:" + port());
            assertThat(lookup(passDb, request("joe")).field("host")).contains("10.0.0.2");
        }
        assertThat(made.get().isClosed()).as("the PassDb owns the pool it was given").isTrue();
    }

    private Path writeConf(String hosts) throws IOException {
        Path file = dir.resolve("dovecot-sql.conf");
        Files.writeString(file, "driver = " + (db == TestDatabase.MARIADB ? "mysql" : "pgsql") + "\n"
                + "connect = " + hosts + " port=" + port() + " dbname=" + DATABASE + " user=" + db.adminUser()
                + " password=\n"
                + "password_query = " + db.seedQuery() + "\n");
        return file;
    }

    private String url(String hosts) {
        return (db == TestDatabase.MARIADB ? "jdbc:mariadb:sequential://" : "jdbc:postgresql://") + hosts + "/" + DATABASE;
    }

    private int port() {
        return db == TestDatabase.MARIADB ? 3306 : 5432;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
