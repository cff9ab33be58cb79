package io.github.mailproxy.examples;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The demo's passdb: an in-memory H2 database holding the seed's {@code proxy} table, one row per
 * demo user, with a {@code password} column for the users of this node: Dovecot's {@code proxy_maybe}
 * setup, where one query serves users proxied elsewhere (no password: their backend checks it) and
 * users served here (a password hash the proxy checks).
 *
 * <p>H2, like PostgreSQL, reads a bare {@code user} in an expression as the function CURRENT_USER
 * (even with {@code NON_KEYWORDS=USER}), so the column is quoted here and in {@link #QUERY}; on
 * MariaDB and MySQL the seed's table and query work exactly as the seed writes them
 * ({@link #SEED_QUERY}).
 */
final class DemoDatabase implements AutoCloseable {

    /** The seed's password query, as Dovecot's documentation writes it (MariaDB, MySQL). */
    static final String SEED_QUERY = "SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'";

    /**
     * The demo's query: the seed's, with the password column and {@code proxy_maybe} in place of
     * {@code proxy}, and the {@code user} column quoted, as H2 and PostgreSQL need it.
     */
    static final String QUERY = SEED_QUERY.replace("NULL AS password", "password").replace("'Y' AS proxy", "'Y' AS proxy_maybe")
            .replace("WHERE user", "WHERE \"user\"");

    /** The seed's table, with {@code user} quoted for H2. */
    private static final String CREATE_TABLE = """
            CREATE TABLE proxy (
              "user" varchar(255) NOT NULL,
              host varchar(16) default NULL,
              destuser varchar(255) NOT NULL default '',
              password varchar(255) default NULL,
              PRIMARY KEY ("user")
            )""";

    private final JdbcDataSource dataSource;

    private DemoDatabase(JdbcDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Creates the table and its rows.
     *
     * @param users the rows
     * @return the database; the caller closes it
     */
    static DemoDatabase create(List<Demo.User> users) {
        JdbcDataSource ds = new JdbcDataSource();
        // a name of its own, so that two demos in one JVM (tests) do not share a table
        ds.setURL("jdbc:h2:mem:mailproxy-demo-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(CREATE_TABLE);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO proxy VALUES (?, ?, ?, ?)")) {
                for (Demo.User user : users) {
                    insert.setString(1, user.login());
                    insert.setString(2, user.host());
                    insert.setString(3, user.destuser());
                    insert.setString(4, user.local() ? sha256(user.password()) : null);
                    insert.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the demo database", e);
        }
        return new DemoDatabase(ds);
    }

    /** Dovecot's {@code {SHA256}} scheme: the digest in base64 (a real server would use a salted, slow one). */
    private static String sha256(String password) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "{SHA256}" + java.util.Base64.getEncoder().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** @return where the passdb connects */
    DataSource dataSource() {
        return dataSource;
    }

    /** Drops the in-memory database. */
    @Override
    public void close() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot shut the demo database down", e);
        }
    }
}
