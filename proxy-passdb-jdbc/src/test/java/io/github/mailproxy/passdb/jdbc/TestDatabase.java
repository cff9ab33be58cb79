package io.github.mailproxy.passdb.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The three databases the JDBC PassDb is tested on, for real: H2 in memory, and the MariaDB and
 * PostgreSQL servers on loopback ({@code .ci/run} starts them). Each test class works in a namespace
 * of its own (a MariaDB database, a PostgreSQL schema, an H2 in-memory database), so that the
 * seed's table keeps its name {@code proxy}.
 */
enum TestDatabase {
    H2 {
        @Override
        String url(String namespace) {
            return "jdbc:h2:mem:" + namespace + ";DB_CLOSE_DELAY=-1";
        }

        /**
         * In H2 2.x a bare {@code user} in an expression is the function USER (CURRENT_USER), even with
         * {@code NON_KEYWORDS=USER}; so, as in PostgreSQL, the column must be quoted.
         */
        @Override
        String userColumn() {
            return "\"user\"";
        }

        @Override
        void recreate(String namespace) throws SQLException {
            try (Connection c = DriverManager.getConnection(url(namespace), "sa", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP ALL OBJECTS");
            }
        }

        @Override
        String adminUser() {
            return "sa";
        }

        @Override
        String sleepCondition(int seconds) {
            return "SLEEP_SECONDS(" + seconds + ") = 0";
        }

        @Override
        void createFunctions(Statement s) throws SQLException {
            s.execute("CREATE TABLE lookups (n INT)");
            s.execute("CREATE ALIAS counted FOR \"" + H2Functions.class.getName() + ".counted\"");
            s.execute("CREATE ALIAS SLEEP_SECONDS FOR \"" + H2Functions.class.getName() + ".sleepSeconds\"");
        }
    },

    MARIADB {
        @Override
        String url(String namespace) {
            return "jdbc:mariadb://127.0.0.1:3306/" + namespace;
        }

        @Override
        void recreate(String namespace) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/test", "root", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + namespace);
                s.execute("CREATE DATABASE " + namespace);
            }
        }

        @Override
        String adminUser() {
            return "root";
        }

        @Override
        String sleepCondition(int seconds) {
            return "SLEEP(" + seconds + ") = 0";
        }

        @Override
        void createFunctions(Statement s) throws SQLException {
            s.execute("CREATE TABLE lookups (n INT)");
            s.execute("CREATE FUNCTION counted() RETURNS INT MODIFIES SQL DATA "
                    + "BEGIN INSERT INTO lookups VALUES (1); RETURN 1; END");
        }
    },

    POSTGRESQL {
        @Override
        String url(String namespace) {
            return "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + namespace;
        }

        @Override
        void recreate(String namespace) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + namespace + " CASCADE");
                s.execute("CREATE SCHEMA " + namespace);
            }
        }

        @Override
        String adminUser() {
            return "postgres";
        }

        /** {@code user} is reserved in PostgreSQL (it means CURRENT_USER), so the column must be quoted. */
        @Override
        String userColumn() {
            return "\"user\"";
        }

        @Override
        String sleepCondition(int seconds) {
            return "1 = (SELECT 1 FROM pg_sleep(" + seconds + "))";
        }

        @Override
        void createFunctions(Statement s) throws SQLException {
            s.execute("CREATE TABLE lookups (n INT)");
            s.execute("CREATE FUNCTION counted() RETURNS INT LANGUAGE sql VOLATILE AS "
                    + "$$ INSERT INTO lookups VALUES (1) RETURNING 1 $$");
        }
    };

    /** @return the JDBC URL into the namespace */
    abstract String url(String namespace);

    /** Drops and creates the namespace. */
    abstract void recreate(String namespace) throws SQLException;

    /** @return the database user the tests connect as */
    abstract String adminUser();

    /** @return a WHERE condition that is true after the given number of seconds */
    abstract String sleepCondition(int seconds);

    /** Creates the table {@code lookups} and the function {@code counted()} that adds a row to it. */
    abstract void createFunctions(Statement s) throws SQLException;

    /** @return the seed's user column, as this database must spell it */
    String userColumn() {
        return "user";
    }

    /** @return the seed's table, as the seed writes it (PostgreSQL: with {@code "user"} quoted) */
    String seedTable() {
        String user = userColumn();
        return "CREATE TABLE proxy (\n"
                + "  " + user + " varchar(255) NOT NULL,\n"
                + "  host varchar(16) default NULL,\n"
                + "  destuser varchar(255) NOT NULL default '',\n"
                + "  PRIMARY KEY  (" + user + ")\n"
                + ")";
    }

    /** @return the seed's query, verbatim (PostgreSQL: with {@code "user"} quoted) */
    String seedQuery() {
        return "SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE " + userColumn() + " = '%u'";
    }

    /**
     * Makes a fresh namespace, fills it with the seed's table and rows and the counting function,
     * and opens a small pool into it.
     *
     * @param namespace a name of letters, digits and underscores
     * @return the pool; the caller closes it
     * @throws SQLException if the database is not there
     */
    HikariDataSource open(String namespace) throws SQLException {
        String name = namespace.toLowerCase(Locale.ROOT);
        recreate(name);
        HikariDataSource pool = pool(url(name));
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(seedTable());
            String user = userColumn();
            s.execute("INSERT INTO proxy (" + user + ", host, destuser) VALUES ('john', '10.0.0.1', '')");
            s.execute("INSERT INTO proxy (" + user + ", host, destuser) VALUES ('joe', '10.0.0.2', 'joe@foo')");
            createFunctions(s);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    /**
     * @param url a JDBC URL for this database
     * @return a small pool, quick to give up when the database is away
     */
    HikariDataSource pool(String url) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        pool.setUsername(adminUser());
        pool.setPassword("");
        pool.setMaximumPoolSize(4);
        pool.setMinimumIdle(0);
        pool.setConnectionTimeout(2_000);
        pool.setPoolName("test-" + name().toLowerCase(Locale.ROOT));
        return pool;
    }
}
