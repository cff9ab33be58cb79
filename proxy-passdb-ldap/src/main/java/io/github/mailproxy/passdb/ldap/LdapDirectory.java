package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.Logfmt;
import io.github.mailproxy.PassDbResult;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory side of an {@link LdapPassDb}: its two connection pools (searches bound as {@code dn},
 * authentication binds as the users) and one lookup, Dovecot's way, from the search to the fields. Every
 * call blocks; {@link #lookup} never throws.
 */
final class LdapDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LdapPassDb.class);  // operators configure the PassDb's name

    private final LdapPassDbSettings settings;
    private final LDAPConnectionPool searchPool;
    private final LDAPConnectionPool bindPool;

    LdapDirectory(LdapPassDbSettings settings) throws LDAPException {
        this.settings = settings;
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis(Math.toIntExact(Math.min(Integer.MAX_VALUE,
                settings.connectTimeout().toMillis())));
        options.setResponseTimeoutMillis(settings.requestTimeout().toMillis());
        options.setAbandonOnTimeout(true);
        if (settings.verifyHostName()) {
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        }
        ServerSet servers = LdapServers.serverSet(settings.servers(), settings.sslContext(), options);
        StartTLSPostConnectProcessor startTls = settings.startTls()
                ? new StartTLSPostConnectProcessor(settings.sslContext()) : null;
        BindRequest bind = settings.bindDn() == null ? null
                : new SimpleBindRequest(settings.bindDn(), settings.bindPassword());
        this.searchPool = pool(servers, bind, settings.connections(), startTls, "search");
        this.bindPool = settings.authBind() ? pool(servers, null, settings.connections(), startTls, "auth-bind") : null;
    }

    private LDAPConnectionPool pool(ServerSet servers, BindRequest bind, int size, StartTLSPostConnectProcessor startTls,
                                    String name) throws LDAPException {
        // No connection at first: they are made on demand, up to size, and a directory that is down at start
        // makes lookups fail for now rather than the proxy not start.
        LDAPConnectionPool pool = new LDAPConnectionPool(servers, bind, 0, size, startTls);
        pool.setConnectionPoolName("mailproxy-ldap-" + name);
        pool.setCreateIfNecessary(false);
        pool.setMaxWaitTimeMillis(settings.requestTimeout().toMillis());
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
        return pool;
    }

    /**
     * @param request a login
     * @return the answer; never throws
     */
    PassDbResult lookup(AuthRequest request) {
        String session = request.sessionId();
        try {
            if (settings.authBind() && settings.authBindUserDn() != null) {
                Map<String, String> fields = settings.passAttrs().fields(request, null, settings.defaultPassScheme());
                String dn = settings.authBindUserDn().expand(request, LdapEscape::escape);
                return request.hasPlaintextPassword() ? bind(request, dn, fields) : PassDbResult.found(fields);
            }
            SearchResultEntry entry = search(request);
            if (entry == null) {
                return PassDbResult.notFound();
            }
            Map<String, String> fields = settings.passAttrs().fields(request, entry, settings.defaultPassScheme());
            if (!settings.authBind() || !request.hasPlaintextPassword()) {
                return PassDbResult.found(fields);
            }
            return bind(request, entry.getDN(), fields);
        } catch (LDAPException e) {
            return failure(session, e);
        } catch (RuntimeException e) {
            LOG.warn("session={} msg=\"the LDAP passdb lookup failed\"", session, e);
            return PassDbResult.temporaryFailure("the LDAP passdb lookup failed: " + e.getClass().getSimpleName());
        }
    }

    /** @return the one entry, or null for none */
    private SearchResultEntry search(AuthRequest request) throws LDAPException {
        String base = settings.base().expand(request, LdapEscape::escape);
        Filter filter = Filter.create(settings.passFilter().expand(request, LdapEscape::escape));
        // Two entries are enough to tell "one" from "too many".
        SearchRequest search = new SearchRequest(base, settings.scope(), settings.deref(), 2,
                (int) Math.max(1, settings.requestTimeout().toSeconds()), false, filter,
                settings.passAttrs().attributes());
        SearchResult result;
        try {
            result = searchPool.search(search);
        } catch (LDAPSearchException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED || e.getEntryCount() > 1) {
                throw tooMany(request);
            }
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return null;  // the base does not exist (one with %d, say): no such user
            }
            throw e;
        }
        List<SearchResultEntry> entries = result.getSearchEntries();
        if (entries.size() > 1) {
            throw tooMany(request);
        }
        return entries.isEmpty() ? null : entries.get(0);
    }

    private static LDAPException tooMany(AuthRequest request) {
        LOG.warn("session={} msg=\"pass_filter matched more than one entry\"", request.sessionId());
        return new LDAPException(ResultCode.SIZE_LIMIT_EXCEEDED, "pass_filter matched more than one entry");
    }

    private PassDbResult bind(AuthRequest request, String dn, Map<String, String> fields) throws LDAPException {
        byte[] password = request.passwordBytes();
        if (password.length == 0) {
            // An empty password would be an unauthenticated bind, which many servers accept (RFC 4513 5.1.2).
            LOG.info("session={} msg=\"password mismatch: empty password (LDAP bind)\"", request.sessionId());
            return PassDbResult.notFound();
        }
        try {
            bindPool.bind(new SimpleBindRequest(dn, password));
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS || e.getResultCode() == ResultCode.NO_SUCH_OBJECT
                    || e.getResultCode() == ResultCode.INVALID_DN_SYNTAX) {
                LOG.info("session={} msg=\"password mismatch (LDAP bind)\" result={}", request.sessionId(),
                        Logfmt.value(e.getResultCode().getName()));
                return PassDbResult.notFound();
            }
            throw e;
        }
        Map<String, String> verified = new LinkedHashMap<>(fields);
        verified.put(PassDbResult.NOPASSWORD, "y");
        return PassDbResult.found(verified);
    }

    private PassDbResult failure(String session, LDAPException e) {
        String code = e.getResultCode().getName();
        if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
            return PassDbResult.temporaryFailure("pass_filter matched more than one entry");
        }
        LOG.warn("session={} msg=\"the LDAP passdb lookup failed\" result={} error={}", session, Logfmt.value(code),
                Logfmt.value(e.getDiagnosticMessage() == null ? e.getExceptionMessage() : e.getDiagnosticMessage()));
        return PassDbResult.temporaryFailure("the LDAP passdb lookup failed (" + code + ")");
    }

    /**
     * Checks the templates now rather than at the first login: the filter and the DNs they give for a
     * sample login must parse.
     */
    static void check(LdapPassDbSettings s) {
        AuthRequest sample = new AuthRequest("imap", "user@example.org", "x", "PLAIN",
                new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 143), false, "check");
        try {
            Filter.create(s.passFilter().expand(sample, LdapEscape::escape));
        } catch (LDAPException e) {
            throw new IllegalArgumentException("pass_filter: not an LDAP filter: " + e.getMessage(), e);
        }
        try {
            new DN(s.base().expand(sample, LdapEscape::escape));
            if (s.authBindUserDn() != null) {
                new DN(s.authBindUserDn().expand(sample, LdapEscape::escape));
            }
        } catch (LDAPException e) {
            throw new IllegalArgumentException("base or auth_bind_userdn: not a DN: " + e.getMessage(), e);
        }
    }

    /** Closes both pools; later lookups fail temporarily. */
    @Override
    public void close() {
        searchPool.close();
        if (bindPool != null) {
            bindPool.close();
        }
    }
}
