/**
 * A PassDb over any JDBC {@link javax.sql.DataSource}, taking Dovecot SQL queries verbatim:
 * {@link io.github.mailproxy.passdb.jdbc.JdbcPassDb}, and
 * {@link io.github.mailproxy.passdb.jdbc.DovecotSqlConf} for Dovecot's {@code dovecot-sql.conf}.
 * Depends on {@code java.sql} only; the driver and any pool are the application's.
 */
package io.github.mailproxy.passdb.jdbc;
