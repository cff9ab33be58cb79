/**
 * {@link io.github.mailproxy.passdb.ldap.LdapPassDb}: Dovecot's LDAP passdb, password lookups and
 * authentication binds, with a bounded connection pool and failover between servers.
 */
package io.github.mailproxy.passdb.ldap;
