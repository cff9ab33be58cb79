package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.internal.AuthCache;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The JDBC PassDb against real databases: H2 in memory, MariaDB and PostgreSQL on loopback. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcPassDbDatabaseTest {

    @Parameter
    TestDatabase db;

    private HikariDataSource dataSource;
    private final List<JdbcPassDb> passDbs = new ArrayList<>();

    @BeforeEach
    void openDatabase() throws SQLException {
        dataSource = db.open("mp_jdbc_passdb_test");
    }

    @AfterEach
    void closeDatabase() {
        passDbs.forEach(JdbcPassDb::close);
        dataSource.close();
    }

    @Test
    void seedsQueryRoutesEachUserOfTheSeedsTable() {
        JdbcPassDb passDb = passDb(db.seedQuery());

        PassDbResult john = lookup(passDb, request("john"));
        assertThat(john.isFound()).isTrue();
        assertThat(john.field("password")).as("NULL AS password").isEmpty();
        assertThat(john.field("host")).contains("10.0.0.1");
        assertThat(john.field("destuser")).contains("");
        assertThat(john.flag("proxy")).isTrue();

        PassDbResult joe = lookup(passDb, request("joe"));
        assertThat(joe.field("host")).contains("10.0.0.2");
        assertThat(joe.field("destuser")).contains("joe@foo");

        assertThat(lookup(passDb, request("nobody")).status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
    }

    @Test
    void nopasswordVariantOfTheSeedsQuery() {
        JdbcPassDb passDb = passDb("SELECT NULL AS password, 'Y' AS nopassword, host, destuser, 'Y' AS proxy "
                + "FROM proxy WHERE " + db.userColumn() + " = '%u'");

        PassDbResult john = lookup(passDb, request("john"));

        assertThat(john.flag("nopassword")).isTrue();
        assertThat(john.flag("proxy")).isTrue();
        assertThat(john.field("host")).contains("10.0.0.1");
    }

    @Test
    void everyShortVariableIsBound() {
        createRoutes();
        JdbcPassDb passDb = passDb("SELECT target AS host FROM routes WHERE username = '%n' AND domain = '%d' "
                + "AND service = '%s' AND rip = '%r' AND lip = '%l' AND fullname = '%u'");

        assertRoutes(passDb);
    }

    @Test
    void everyLongVariableIsBound() {
        createRoutes();
        JdbcPassDb passDb = passDb("SELECT target AS host FROM routes WHERE username = '%{username}' "
                + "AND domain = '%{domain}' AND service = '%{service}' AND rip = '%{rip}' AND lip = '%{lip}' "
                + "AND fullname = '%{user}'");

        assertRoutes(passDb);
    }

    @Test
    void variablesShareAStringWithTextAndChangeCase() {
        execute("INSERT INTO proxy (" + db.userColumn() + ", host, destuser) VALUES ('ann@example.org', '10.0.0.3', '')");
        JdbcPassDb passDb = passDb("SELECT host FROM proxy WHERE " + db.userColumn() + " = '%Ln@%Ld'");

        assertThat(lookup(passDb, request("Ann@Example.ORG")).field("host")).contains("10.0.0.3");
        assertThat(lookup(passDb, request("ann@example.com")).isFound()).isFalse();
    }

    @Test
    void doublePercentIsAPercentSign() {
        JdbcPassDb passDb = passDb("SELECT host FROM proxy WHERE " + db.userColumn() + " = '%u' AND host LIKE '10.0.0.%%'");

        assertThat(lookup(passDb, request("john")).field("host")).contains("10.0.0.1");
    }

    @Test
    void sqlNullMeansAbsent() {
        JdbcPassDb passDb = passDb("SELECT NULL AS password, host, NULL AS destuser, NULL AS proxy, destuser AS master "
                + "FROM proxy WHERE " + db.userColumn() + " = '%u'");

        PassDbResult john = lookup(passDb, request("john"));

        assertThat(john.fields()).containsOnlyKeys("host", "master");
        assertThat(john.field("master")).as("an empty string is present").contains("");
    }

    @Test
    void columnLabelsAreFieldNamesInAnyCase() {
        JdbcPassDb passDb = passDb("SELECT host AS \"HoSt\", destuser AS DESTUSER FROM proxy WHERE "
                + db.userColumn() + " = '%u'");

        PassDbResult joe = lookup(passDb, request("joe"));

        assertThat(joe.field("host")).contains("10.0.0.2");
        assertThat(joe.field("DestUser")).contains("joe@foo");
    }

    /** {@code ssl} is reserved in MariaDB, hence quoted; a double-quoted alias reads the same everywhere. */
    @Test
    void dovecotAndSqlBooleansAreRead() {
        JdbcPassDb passDb = passDb("SELECT 'Y' AS proxy, 'yes' AS nopassword, 1 AS \"ssl\", 'true' AS starttls, "
                + "TRUE AS proxy_maybe, FALSE AS nologin, 'N' AS master, host FROM proxy WHERE "
                + db.userColumn() + " = '%u'");

        PassDbResult john = lookup(passDb, request("john"));

        assertThat(john.flag("proxy")).isTrue();
        assertThat(john.flag("nopassword")).isTrue();
        assertThat(john.flag("ssl")).isTrue();
        assertThat(john.flag("starttls")).isTrue();
        assertThat(john.flag("proxy_maybe")).isTrue();
        assertThat(john.flag("nologin")).isFalse();
        assertThat(john.flag("master")).isFalse();
    }

    @Test
    void severalRowsAreATemporaryFailure() {
        execute("CREATE TABLE multi (" + db.userColumn() + " varchar(255), host varchar(16))");
        execute("INSERT INTO multi VALUES ('john', '10.0.0.1')");
        execute("INSERT INTO multi VALUES ('john', '10.0.0.2')");
        JdbcPassDb passDb = passDb("SELECT host FROM multi WHERE " + db.userColumn() + " = '%u'");

        PassDbResult john = lookup(passDb, request("john"));

        assertThat(john.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(john.failureReason()).contains("more than one row");
    }

    @Test
    void injectionAttemptsFindNothingAndChangeNothing() {
        JdbcPassDb passDb = passDb(db.seedQuery());

        for (String user : List.of("x' OR '1'='1", "john' --", "' OR 1=1 -- ", "john'; DROP TABLE proxy; --",
                "john\\", "%u", "?", "john' /*", "\" OR \"1\"=\"1")) {
            assertThat(lookup(passDb, request(user)).status()).as(user).isEqualTo(PassDbResult.Status.NOT_FOUND);
        }
        assertThat(lookup(passDb, request("john")).isFound()).as("the table is still there").isTrue();
    }

    @Test
    void sqlErrorIsATemporaryFailure() {
        JdbcPassDb passDb = passDb("SELECT host FROM no_such_table WHERE " + db.userColumn() + " = '%u'");

        PassDbResult result = lookup(passDb, request("john"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).contains("SQLState");
    }

    @Test
    void slowQueryIsATemporaryFailureAfterTheQueryTimeout() {
        JdbcPassDb passDb = track(JdbcPassDb.builder(dataSource, db.seedQuery().replace("= '%u'",
                "= '%u' AND " + db.sleepCondition(5))).queryTimeout(Duration.ofSeconds(1)).build());

        long start = System.nanoTime();
        PassDbResult result = lookup(passDb, request("john"));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(tookMillis).isLessThan(4_000);
    }

    @Test
    void authCacheInFrontAsksTheDatabaseOnceUntilTheEntryExpires() throws SQLException {
        JdbcPassDb passDb = passDb("SELECT NULL AS password, host, destuser, 'Y' AS proxy, counted() AS counted "
                + "FROM proxy WHERE " + db.userColumn() + " = '%u'");
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = nanos::get;
        AuthCache cache = new AuthCache(AuthCacheSpec.maximumSize(4096).expireAfterWrite(Duration.ofMinutes(5)),
                passDb, ticker);

        for (int i = 0; i < 20; i++) {
            assertThat(lookup(cache, request("john")).field("host")).contains("10.0.0.1");
        }
        assertThat(queriesCounted()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(19);

        nanos.addAndGet(Duration.ofMinutes(5).toNanos());
        lookup(cache, request("john"));
        assertThat(queriesCounted()).isEqualTo(2);
    }

    @Test
    void cacheKeyNamesTheAddressesTheQueryUses() {
        assertThat(passDb(db.seedQuery()).cacheKey())
                .containsExactlyInAnyOrder(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL);
        assertThat(passDb("SELECT host FROM proxy WHERE " + db.userColumn() + " = '%u' AND '%r' <> '%{lip}'").cacheKey())
                .containsExactlyInAnyOrder(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.PROTOCOL,
                        PassDb.CacheKeyPart.CLIENT_ADDRESS, PassDb.CacheKeyPart.LOCAL_ADDRESS);
    }

    private void createRoutes() {
        execute("CREATE TABLE routes (fullname varchar(64), username varchar(64), domain varchar(64), "
                + "service varchar(8), rip varchar(64), lip varchar(64), target varchar(64))");
        execute("INSERT INTO routes VALUES ('john@example.org', 'john', 'example.org', 'imap', '10.1.2.3', "
                + "'10.0.0.9', 'imap-host')");
        execute("INSERT INTO routes VALUES ('john@example.org', 'john', 'example.org', 'pop3', '10.1.2.3', "
                + "'10.0.0.9', 'pop3-host')");
    }

    private void assertRoutes(JdbcPassDb passDb) {
        assertThat(lookup(passDb, request("imap", "john@example.org", "10.1.2.3", "10.0.0.9")).field("host"))
                .contains("imap-host");
        assertThat(lookup(passDb, request("pop3", "john@example.org", "10.1.2.3", "10.0.0.9")).field("host"))
                .contains("pop3-host");
        assertThat(lookup(passDb, request("imap", "john@example.org", "10.1.2.4", "10.0.0.9")).isFound())
                .as("another client address").isFalse();
        assertThat(lookup(passDb, request("imap", "john@example.org", "10.1.2.3", "10.0.0.8")).isFound())
                .as("another local address").isFalse();
        assertThat(lookup(passDb, request("imap", "john@example.com", "10.1.2.3", "10.0.0.9")).isFound())
                .as("another domain").isFalse();
        assertThat(lookup(passDb, request("imap", "jon@example.org", "10.1.2.3", "10.0.0.9")).isFound())
                .as("another user").isFalse();
    }

    private long queriesCounted() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM lookups")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private JdbcPassDb passDb(String query) {
        return track(new JdbcPassDb(dataSource, query));
    }

    private JdbcPassDb track(JdbcPassDb passDb) {
        passDbs.add(passDb);
        return passDb;
    }

    static AuthRequest request(String user) {
        return request("imap", user, "10.1.2.3", "127.0.0.1");
    }

    static AuthRequest request(String protocol, String user, String clientIp, String localIp) {
        return new AuthRequest(protocol, user, "secret", "LOGIN", new InetSocketAddress(clientIp, 50000),
                new InetSocketAddress(localIp, 143), false, "test-session");
    }

    static PassDbResult lookup(PassDb passDb, AuthRequest request) {
        return passDb.lookup(request).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
}
