package io.github.mailproxy.examples.launcher;

import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.passdb.jdbc.JdbcPassDb;
import io.github.mailproxy.passdb.jdbc.JdbcUrls;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The launcher's {@code passdb = jdbc}: a {@link JdbcPassDb} over a HikariCP pool that belongs to it,
 * so that closing the launcher closes both.
 */
final class PooledJdbcPassDb implements PassDb, AutoCloseable {

    private final JdbcPassDb passDb;
    private final HikariDataSource pool;
    private final ConfigKey<?> urlKey;
    private final String url;

    PooledJdbcPassDb(JdbcPassDb passDb, HikariDataSource pool, ConfigKey<?> urlKey, String url) {
        this.passDb = passDb;
        this.pool = pool;
        this.urlKey = urlKey;
        this.url = url;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return passDb.lookup(request);
    }

    @Override
    public Set<CacheKeyPart> cacheKey() {
        return passDb.cacheKey();
    }

    /** @return true, as the {@link JdbcPassDb} inside: queries run on its own executor */
    @Override
    public boolean nonBlocking() {
        return passDb.nonBlocking();
    }

    /**
     * Opens one connection, so that a database that cannot be reached stops the launcher at start.
     *
     * @throws ConfigException naming the key of the URL
     */
    void checkConnection() {
        try (Connection c = pool.getConnection()) {
            c.isValid(5);
        } catch (SQLException | RuntimeException e) {  // Hikari's PoolInitializationException is a RuntimeException
            throw new ConfigException(urlKey.key() + ": cannot connect to " + JdbcUrls.mask(url) + ": "
                    + JdbcUrls.mask(innermost(e)), e);
        }
    }

    private static String innermost(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    @Override
    public void close() {
        try {
            passDb.close();
        } finally {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "PooledJdbcPassDb[" + passDb + "]";
    }
}
