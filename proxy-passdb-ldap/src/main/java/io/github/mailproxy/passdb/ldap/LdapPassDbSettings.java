package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.DereferencePolicy;
import com.unboundid.ldap.sdk.SearchScope;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * What an {@link LdapPassDb} was configured with, checked and parsed. {@link #toString()} leaves out
 * {@code bindPassword}.
 *
 * @param servers           the servers, in the order to try them
 * @param bindDn            the DN searches bind as ({@code dn}), or {@code null} for anonymous
 * @param bindPassword      its password ({@code dnpass}), or {@code null}
 * @param base              the search base template
 * @param scope             the search scope
 * @param deref             the alias policy
 * @param passFilter        the filter template
 * @param passAttrs         which attributes become which fields
 * @param authBind          whether passwords are checked by binding as the user
 * @param authBindUserDn    the user's DN template, or {@code null} to use the DN the search finds
 * @param startTls          whether to send StartTLS on ldap:// connections
 * @param sslContext        for StartTLS and ldaps://
 * @param verifyHostName    whether the server's certificate must name the host connected to
 * @param connectTimeout    how long a connection attempt to one server may take
 * @param requestTimeout    how long a search or bind may take, and a lookup may wait for a connection
 * @param connections       the most connections per pool
 * @param defaultPassScheme put before a {@code password} field that names no scheme, or {@code null}
 * @param source            the settings as given, for {@link #toString()}
 */
record LdapPassDbSettings(List<LdapServers.Server> servers, String bindDn, String bindPassword, LdapTemplate base,
                          SearchScope scope, DereferencePolicy deref, LdapTemplate passFilter, PassAttrs passAttrs,
                          boolean authBind, LdapTemplate authBindUserDn, boolean startTls, SSLContext sslContext,
                          boolean verifyHostName, Duration connectTimeout, Duration requestTimeout, int connections,
                          String defaultPassScheme, String source) {

    LdapPassDbSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(sslContext, "sslContext");
    }

    @Override
    public String toString() {
        return source;
    }

    /** @return the servers as URIs, separated by spaces */
    static String describe(List<LdapServers.Server> servers) {
        return servers.stream().map(LdapServers.Server::toString).collect(Collectors.joining(" "));
    }

    static SearchScope searchScope(LdapPassDb.Scope scope) {
        return switch (scope) {
            case BASE -> SearchScope.BASE;
            case ONELEVEL -> SearchScope.ONE;
            case SUBTREE -> SearchScope.SUB;
        };
    }

    static DereferencePolicy dereferencePolicy(LdapPassDb.Deref deref) {
        return switch (deref) {
            case NEVER -> DereferencePolicy.NEVER;
            case SEARCHING -> DereferencePolicy.SEARCHING;
            case FINDING -> DereferencePolicy.FINDING;
            case ALWAYS -> DereferencePolicy.ALWAYS;
        };
    }
}
