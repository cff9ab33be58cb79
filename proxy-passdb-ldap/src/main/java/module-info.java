/**
 * A PassDb over LDAP: {@link io.github.mailproxy.passdb.ldap.LdapPassDb}, read from Dovecot's
 * {@code dovecot-ldap.conf.ext} or configured with its builder, on the UnboundID LDAP SDK (no UnboundID
 * type is part of this module's API).
 */
module io.github.mailproxy.passdb.ldap {
    exports io.github.mailproxy.passdb.ldap;

    requires transitive io.github.mailproxy.core;
    requires unboundid.ldapsdk;
    requires org.slf4j;
}
