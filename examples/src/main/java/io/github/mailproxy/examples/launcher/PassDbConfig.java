package io.github.mailproxy.examples.launcher;

import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswdFilePassDb;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.passdb.http.HttpPassDb;
import io.github.mailproxy.passdb.jdbc.DovecotSqlConf;
import io.github.mailproxy.passdb.jdbc.JdbcPassDb;
import io.github.mailproxy.passdb.jdbc.JdbcUrls;
import io.github.mailproxy.passdb.ldap.LdapPassDb;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Reads the {@code passdb} keys and makes the PassDb they describe. */
final class PassDbConfig {

    private static final ConfigKey<?>[] JDBC_KEYS = {ConfigKey.PASSDB_JDBC_URL, ConfigKey.PASSDB_JDBC_USER,
        ConfigKey.PASSDB_JDBC_PASSWORD, ConfigKey.PASSDB_JDBC_QUERY, ConfigKey.PASSDB_JDBC_POOL_SIZE};

    private static final ConfigKey<?>[] HTTP_KEYS = {ConfigKey.PASSDB_HTTP_URL, ConfigKey.PASSDB_HTTP_HEADERS,
        ConfigKey.PASSDB_HTTP_TIMEOUT};

    private PassDbConfig() {
    }

    /**
     * @return the PassDb; a JDBC one is a {@link PooledJdbcPassDb} whose pool connects at the first
     *         lookup or at {@link PooledJdbcPassDb#checkConnection()}
     */
    static PassDb parse(ConfigValues v) {
        String kind = v.get(ConfigKey.PASSDB);
        if (kind == null) {
            throw new ConfigException(ConfigKey.PASSDB.key()
                    + ": missing; set passdb = static, passwd-file, jdbc, ldap or http");
        }
        if (!kind.equals("static")) {
            v.onlyWith("passdb = static", ConfigKey.PASSDB_STATIC);
        }
        if (!kind.equals("passwd-file")) {
            v.onlyWith("passdb = passwd-file", ConfigKey.PASSDB_PASSWD_FILE);
        }
        if (!kind.equals("jdbc")) {
            v.onlyWith("passdb = jdbc", JDBC_KEYS);
            v.onlyWith("passdb = jdbc", ConfigKey.PASSDB_DOVECOT_SQL_CONF);
        }
        if (!kind.equals("http")) {
            v.onlyWith("passdb = http", HTTP_KEYS);
        }
        if (!kind.equals("ldap")) {
            v.onlyWith("passdb = ldap", ConfigKey.PASSDB_DOVECOT_LDAP_CONF);
        }
        return switch (kind) {
            case "static" -> v.required(ConfigKey.PASSDB_STATIC, "needed by passdb = static");
            case "passwd-file" -> PasswdFilePassDb.open(
                    v.required(ConfigKey.PASSDB_PASSWD_FILE, "needed by passdb = passwd-file"));
            case "http" -> http(v);
            case "ldap" -> ldap(v.required(ConfigKey.PASSDB_DOVECOT_LDAP_CONF, "needed by passdb = ldap"));
            default -> v.has(ConfigKey.PASSDB_DOVECOT_SQL_CONF) ? dovecotSqlConf(v) : jdbc(v);
        };
    }

    /**
     * @param args Dovecot static args, the value of {@code passdb.static}
     * @return the PassDb, checked now rather than failing every login later
     * @throws ConfigException naming {@code passdb.static}
     */
    static StaticPassDb staticPassDb(String args) {
        StaticPassDb passDb;
        try {
            passDb = StaticPassDb.parse(args);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        // Checked here, at start, rather than failing every login later.
        PassDbResult fields = PassDbResult.found(passDb.fields());
        if (fields.field(PassDbResult.HOST).or(() -> fields.field(PassDbResult.HOSTIP)).filter(h -> !h.isBlank())
                .isEmpty()) {
            throw new ConfigException(ConfigKey.PASSDB_STATIC.key() + ": needs host=... (the backend server)");
        }
        fields.field(PassDbResult.PORT).ifPresent(port -> ListenAddress.port(ConfigKey.PASSDB_STATIC.key(), port, 1));
        return passDb;
    }

    private static PassDb http(ConfigValues v) {
        HttpPassDb.Builder builder = HttpPassDb.builder(v.required(ConfigKey.PASSDB_HTTP_URL, "needed by passdb = http"));
        String headers = v.get(ConfigKey.PASSDB_HTTP_HEADERS);
        if (headers != null) {
            int n = 0;
            for (String header : headers.split(";")) {
                n++;
                if (header.isBlank()) {
                    continue;
                }
                int colon = header.indexOf(':');
                if (colon < 1) {
                    throw new ConfigException(ConfigKey.PASSDB_HTTP_HEADERS.key() + ": header " + n
                            + " is not 'Name: value' (not shown: it may be a secret)");
                }
                try {
                    builder.header(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    // the builder's messages name the header, never its value
                    throw new ConfigException(ConfigKey.PASSDB_HTTP_HEADERS.key() + ": " + e.getMessage(), e);
                }
            }
        }
        java.time.Duration timeout = v.get(ConfigKey.PASSDB_HTTP_TIMEOUT);
        if (timeout != null) {
            builder.timeout(timeout);
        }
        return builder.build();
    }

    /**
     * @param file a dovecot-ldap.conf.ext
     * @return its PassDb; it connects at the first lookup, so a directory that is down at start delays no one
     * @throws ConfigException naming the key, the file and the setting, never dnpass
     */
    private static PassDb ldap(Path file) {
        try {
            return LdapPassDb.fromDovecotLdapConf(file);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(ConfigKey.PASSDB_DOVECOT_LDAP_CONF.key() + ": " + e.getMessage(), e);
        }
    }

    private static PassDb jdbc(ConfigValues v) {
        String hint = "passdb = jdbc needs passdb.jdbc.url and passdb.jdbc.query, or passdb.dovecot-sql-conf";
        if (!v.has(ConfigKey.PASSDB_JDBC_URL)) {
            v.required(ConfigKey.PASSDB_JDBC_URL, hint);
        }
        String query = v.required(ConfigKey.PASSDB_JDBC_QUERY, hint);
        String url = v.get(ConfigKey.PASSDB_JDBC_URL);  // checks that a driver takes it
        Integer poolSize = v.get(ConfigKey.PASSDB_JDBC_POOL_SIZE);
        return pooled(ConfigKey.PASSDB_JDBC_URL, url, v.get(ConfigKey.PASSDB_JDBC_USER),
                v.get(ConfigKey.PASSDB_JDBC_PASSWORD), ConfigKey.PASSDB_JDBC_QUERY, query,
                poolSize == null ? JdbcPassDb.Builder.DEFAULT_THREADS : poolSize);
    }

    private static PassDb dovecotSqlConf(ConfigValues v) {
        for (ConfigKey<?> key : JDBC_KEYS) {
            if (v.has(key)) {
                throw new ConfigException(key.key() + ": give either passdb.jdbc.* or passdb.dovecot-sql-conf, not both");
            }
        }
        Path file = v.get(ConfigKey.PASSDB_DOVECOT_SQL_CONF);
        DovecotSqlConf conf;
        try {
            conf = DovecotSqlConf.parse(file);
        } catch (IOException | IllegalArgumentException e) {
            // the parser's messages name the file and the setting, never the password
            throw new ConfigException(ConfigKey.PASSDB_DOVECOT_SQL_CONF.key() + ": " + e.getMessage(), e);
        }
        checkDriver(ConfigKey.PASSDB_DOVECOT_SQL_CONF, conf.jdbcUrl());
        return pooled(ConfigKey.PASSDB_DOVECOT_SQL_CONF, conf.jdbcUrl(), conf.user(), conf.password(),
                ConfigKey.PASSDB_DOVECOT_SQL_CONF, conf.passwordQuery(), JdbcPassDb.Builder.DEFAULT_THREADS);
    }

    private static PassDb pooled(ConfigKey<?> urlKey, String url, String user, String password, ConfigKey<?> queryKey,
                                 String query, int size) {
        // No-argument HikariDataSource: the pool starts at the first connection, not while parsing.
        HikariDataSource pool = new HikariDataSource();
        pool.setPoolName("mailproxy-passdb");
        pool.setJdbcUrl(url);
        pool.setUsername(user);
        pool.setPassword(password);
        pool.setMaximumPoolSize(size);
        pool.setReadOnly(true);
        try {
            // one lookup thread per pooled connection: more threads would only wait for a connection
            JdbcPassDb passDb = JdbcPassDb.builder(pool, query).threads(size).build();
            return new PooledJdbcPassDb(passDb, pool, urlKey, url);
        } catch (IllegalArgumentException e) {
            pool.close();
            throw new ConfigException(queryKey.key() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A URL no driver on the class path accepts fails now, naming the key, rather than at each login.
     *
     * @throws ConfigException naming {@code key}, with any password in the URL masked
     */
    static void checkDriver(ConfigKey<?> key, String url) {
        if (!url.startsWith("jdbc:")) {
            throw new ConfigException(key.key() + ": not a JDBC URL (jdbc:...): '" + JdbcUrls.mask(url) + "'");
        }
        try {
            DriverManager.getDriver(url);
        } catch (SQLException e) {
            throw new ConfigException(key.key() + ": no JDBC driver for '" + JdbcUrls.mask(url)
                    + "'; mailproxy.jar has the MariaDB (jdbc:mariadb:), PostgreSQL (jdbc:postgresql:) and H2 drivers",
                    e);
        }
    }
}
