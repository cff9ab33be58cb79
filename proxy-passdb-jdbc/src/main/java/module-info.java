/**
 * A PassDb over SQL: {@link io.github.mailproxy.passdb.jdbc.JdbcPassDb} on any {@link javax.sql.DataSource}.
 * Drivers and pools are the application's choice; this module needs {@code java.sql} only.
 */
module io.github.mailproxy.passdb.jdbc {
    exports io.github.mailproxy.passdb.jdbc;

    requires transitive io.github.mailproxy.core;
    requires transitive java.sql;
    requires org.slf4j;
}
