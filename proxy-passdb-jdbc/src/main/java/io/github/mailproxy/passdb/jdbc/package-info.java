/** A PassDb over any JDBC DataSource, taking Dovecot SQL queries verbatim. */
package io.github.mailproxy.passdb.jdbc;
