package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

/**
 * The LDAP servers of Dovecot's {@code hosts} ({@code host} or {@code host:port}, port 389) or
 * {@code uris} ({@code ldap://host:port}, {@code ldaps://host:port}, ports 389 and 636), tried in the
 * order given: a connection goes to the first that answers.
 */
final class LdapServers {

    /**
     * One server.
     *
     * @param host the host name or address
     * @param port the port
     * @param ldaps whether TLS starts with the first byte
     */
    record Server(String host, int port, boolean ldaps) {
        @Override
        public String toString() {
            return (ldaps ? "ldaps://" : "ldap://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private LdapServers() {
    }

    /**
     * @param setting the setting's name, for errors
     * @param host    {@code host} or {@code host:port}
     * @return the server
     * @throws IllegalArgumentException naming the setting
     */
    static Server host(String setting, String host) {
        return uri(setting, "ldap://" + host);
    }

    /**
     * @param setting the setting's name, for errors
     * @param uri     {@code ldap://host[:port][/]} or {@code ldaps://...}
     * @return the server
     * @throws IllegalArgumentException naming the setting
     */
    static Server uri(String setting, String uri) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(setting + ": not an LDAP URI: '" + uri + "'", e);
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
            throw new IllegalArgumentException(setting + ": '" + uri + "' is not ldap:// or ldaps://"
                    + (scheme.equals("ldapi") ? " (ldapi://, a Unix socket, is not supported)" : ""));
        }
        if (parsed.getHost() == null || (parsed.getPath() != null && !parsed.getPath().isEmpty()
                && !parsed.getPath().equals("/")) || parsed.getQuery() != null || parsed.getUserInfo() != null) {
            throw new IllegalArgumentException(setting + ": '" + uri + "' must be scheme://host[:port] only");
        }
        boolean ldaps = scheme.equals("ldaps");
        int port = parsed.getPort() < 0 ? ldaps ? 636 : 389 : parsed.getPort();
        String host = parsed.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Server(host, port, ldaps);
    }

    /**
     * @param servers    the servers, in the order to try them
     * @param sslContext for ldaps:// servers
     * @param options    timeouts and the like
     * @return a set that connects to the first server that answers
     */
    static ServerSet serverSet(List<Server> servers, SSLContext sslContext, LDAPConnectionOptions options) {
        List<ServerSet> sets = new ArrayList<>();
        for (Server s : servers) {
            SocketFactory factory = s.ldaps() ? sslContext.getSocketFactory() : SocketFactory.getDefault();
            sets.add(new SingleServerSet(s.host(), s.port(), factory, options));
        }
        return sets.size() == 1 ? sets.get(0) : new FailoverServerSet(sets);
    }
}
