package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;

/**
 * A PassDb that asks an LDAP directory, as Dovecot's LDAP passdb does; a Dovecot user's
 * {@code dovecot-ldap.conf.ext} works as it is:
 *
 * <pre>{@code
 * LdapPassDb passDb = LdapPassDb.fromDovecotLdapConf(Path.of("/etc/dovecot/dovecot-ldap.conf.ext"));
 * // or
 * LdapPassDb passDb = LdapPassDb.builder()
 *     .uris("ldap://ldap1.example.org", "ldap://ldap2.example.org")
 *     .bindDn("cn=dovecot,dc=example,dc=org", "secret")
 *     .base("ou=people,dc=example,dc=org")
 *     .passFilter("(&(objectClass=inetOrgPerson)(mail=%u))")
 *     .passAttrs("mail=user, mailHost=host, =proxy=y, =nopassword=y")
 *     .build();
 * ProxyServer.builder().passDb(passDb)...
 * }</pre>
 *
 * <p><b>Password lookups</b> (the default): the entry {@code pass_filter} finds under {@code base} gives
 * the fields {@code pass_attrs} names ({@link Builder#passAttrs(String)}); no entry is not found, more than
 * one is a temporary failure. The login's variables ({@code %u}, {@code %n}, {@code %d}, {@code %s},
 * {@code %r}, {@code %l} and their long forms) are escaped as RFC 4515 and 4514 require wherever they
 * appear in the filter, the base or a DN, so no user name can widen a filter or name another entry.
 *
 * <p><b>Authentication binds</b> ({@link Builder#authBind(boolean)}): the proxy checks the client's password
 * by binding to the directory as the user, with the DN the search found or the one
 * {@link Builder#authBindUserDn(String)} makes, and never reads a hash. A right password gives the fields
 * and {@code nopassword}, so that either auth strategy proxies without checking it again (with
 * {@code AuthStrategy.masterUser}, the common "verify at the proxy, master login to the backend" setup);
 * a wrong or empty one is not found. The auth cache then keys on the password too ({@link #cacheKey()}).
 * With {@code authBindUserDn}, as in Dovecot, nothing is searched: only the {@code pass_attrs} entries
 * that read no attribute ({@code =proxy=y}, {@code =host=10.0.0.1}) give fields.
 *
 * <p><b>Outages.</b> Servers are tried in the order given, the next when one does not answer within
 * the connect timeout; searches and binds have a response timeout. A server that cannot be reached, a
 * timeout or any other LDAP error is a temporary failure (the client is told to try later, never that
 * its password was wrong), logged with its result code. Connections come from a bounded pool, one for
 * searches (bound as {@code dn}) and one for authentication binds; they connect on first use, so a
 * directory that is down when the proxy starts is no reason not to start.
 *
 * <p><b>Threads.</b> The LDAP calls block, so {@link #nonBlocking()} is false: the proxy calls
 * {@link #lookup} on its own PassDb threads, never on an event loop. {@link #toString()} shows the
 * settings without {@code dnpass}.
 */
public final class LdapPassDb implements PassDb, AutoCloseable {

    private final LdapPassDbSettings settings;
    private final LdapDirectory directory;

    private LdapPassDb(LdapPassDbSettings settings) throws LDAPException {
        this.settings = settings;
        this.directory = new LdapDirectory(settings);
    }

    /**
     * Starts configuring a PassDb.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A PassDb from Dovecot's {@code dovecot-ldap.conf.ext}, read as Dovecot reads it; see
     * {@link Builder} for what each setting does. A setting Dovecot has but this PassDb does not support
     * ({@code sasl_bind = yes}, client certificates) is refused by name; the userdb's settings
     * ({@code user_attrs}, {@code user_filter}, {@code iterate_*}) are read and ignored.
     *
     * @param file the file
     * @return the PassDb
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not valid; the message names the file and the setting, never
     *                                  a value of {@code dnpass}
     */
    public static LdapPassDb fromDovecotLdapConf(Path file) throws IOException {
        return DovecotLdapConf.parse(file).build();
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return CompletableFuture.completedFuture(directory.lookup(request));
    }

    /** @return false: LDAP calls block, so the proxy runs lookups on its PassDb threads */
    @Override
    public boolean nonBlocking() {
        return false;
    }

    /**
     * The user and the service, the addresses when a template uses {@code %r} or {@code %l}, and with
     * authentication binds the password, since the answer then depends on it.
     */
    @Override
    public Set<CacheKeyPart> cacheKey() {
        EnumSet<CacheKeyPart> parts = EnumSet.of(CacheKeyPart.USER, CacheKeyPart.PROTOCOL);
        settings.base().addCacheKey(parts);
        settings.passFilter().addCacheKey(parts);
        settings.passAttrs().addCacheKey(parts);
        if (settings.authBindUserDn() != null) {
            settings.authBindUserDn().addCacheKey(parts);
        }
        if (settings.authBind()) {
            parts.add(CacheKeyPart.PASSWORD);
        }
        return parts;
    }

    /** Closes the connection pools; later lookups fail temporarily. */
    @Override
    public void close() {
        directory.close();
    }

    /** @return the servers and settings; never {@code dnpass} */
    @Override
    public String toString() {
        return "LdapPassDb[" + settings + "]";
    }

    /**
     * Configures an {@link LdapPassDb}; each option names the {@code dovecot-ldap.conf.ext} setting it
     * stands for. Each may be set once and checks its argument at once; {@link #uris} (or {@link #hosts})
     * and {@link #base} are required.
     */
    public static final class Builder {
        /** Dovecot's default {@code pass_filter}. */
        public static final String DEFAULT_PASS_FILTER = "(&(objectClass=posixAccount)(uid=%u))";
        /** Dovecot's default {@code pass_attrs}. */
        public static final String DEFAULT_PASS_ATTRS = "uid=user,userPassword=password";
        /** Dovecot's default {@code default_pass_scheme} for LDAP. */
        public static final String DEFAULT_PASS_SCHEME = "CRYPT";
        /** Default of {@link #connections(int)}. */
        public static final int DEFAULT_CONNECTIONS = 8;
        /** Default of {@link #connectTimeout(Duration)} and {@link #requestTimeout(Duration)}, in seconds. */
        public static final int DEFAULT_TIMEOUT_SECONDS = 5;

        private final Set<String> set = new java.util.HashSet<>();
        private List<LdapServers.Server> servers;
        private String bindDn;
        private String bindPassword;
        private String base;
        private Scope scope = Scope.SUBTREE;
        private Deref deref = Deref.NEVER;
        private String passFilter = DEFAULT_PASS_FILTER;
        private String passAttrs = DEFAULT_PASS_ATTRS;
        private boolean authBind;
        private String authBindUserDn;
        private boolean startTls;
        private SSLContext sslContext;
        private boolean verifyHostName = true;
        private Duration connectTimeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        private Duration requestTimeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        private int connections = DEFAULT_CONNECTIONS;
        private String defaultPassScheme = DEFAULT_PASS_SCHEME;

        private Builder() {
        }

        /**
         * {@code uris}: the servers, tried in this order, the next when one does not answer.
         *
         * @param uris {@code ldap://host[:port]} (port 389) or {@code ldaps://host[:port]} (port 636)
         * @return this builder
         * @throws IllegalArgumentException if one is not such a URI, or none is given
         */
        public Builder uris(String... uris) {
            once("uris/hosts");
            this.servers = servers("uris", uris, true);
            return this;
        }

        /**
         * {@code hosts}: the servers as {@code host} or {@code host:port} (port 389), tried in this order.
         *
         * @param hosts the hosts
         * @return this builder
         * @throws IllegalArgumentException if one is not a host, or none is given
         */
        public Builder hosts(String... hosts) {
            once("uris/hosts");
            this.servers = servers("hosts", hosts, false);
            return this;
        }

        private static List<LdapServers.Server> servers(String setting, String[] values, boolean uris) {
            if (values.length == 0) {
                throw new IllegalArgumentException(setting + ": no server given");
            }
            List<LdapServers.Server> list = new java.util.ArrayList<>();
            for (String v : values) {
                Objects.requireNonNull(v, setting);
                list.add(uris ? LdapServers.uri(setting, v) : LdapServers.host(setting, v));
            }
            return list;
        }

        /**
         * {@code dn} and {@code dnpass}: whom searches bind as; anonymous when not set.
         *
         * @param dn       the DN
         * @param password its password
         * @return this builder
         * @throws IllegalArgumentException if the DN does not parse (the message does not show the password)
         */
        public Builder bindDn(String dn, String password) {
            once("bindDn");
            Objects.requireNonNull(dn, "dn");
            Objects.requireNonNull(password, "password");
            if (!DN.isValidDN(dn)) {
                throw new IllegalArgumentException("dn: not a DN: '" + dn + "'");
            }
            this.bindDn = dn;
            this.bindPassword = password;
            return this;
        }

        /**
         * {@code base}: where to search; may hold variables ({@code ou=%d,dc=example,dc=org}).
         *
         * @param base the base DN template
         * @return this builder
         */
        public Builder base(String base) {
            once("base");
            this.base = Objects.requireNonNull(base, "base");
            return this;
        }

        /**
         * {@code scope}: {@code base}, {@code onelevel} or {@code subtree} (the default).
         *
         * @param scope the scope
         * @return this builder
         */
        public Builder scope(Scope scope) {
            once("scope");
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /**
         * {@code deref}: {@code never} (the default), {@code searching}, {@code finding} or {@code always}.
         *
         * @param deref the policy
         * @return this builder
         */
        public Builder deref(Deref deref) {
            once("deref");
            this.deref = Objects.requireNonNull(deref, "deref");
            return this;
        }

        /**
         * {@code pass_filter}: the filter that finds the user; default {@value #DEFAULT_PASS_FILTER}.
         *
         * @param filter the filter template
         * @return this builder
         */
        public Builder passFilter(String filter) {
            once("passFilter");
            this.passFilter = Objects.requireNonNull(filter, "passFilter");
            return this;
        }

        /**
         * {@code pass_attrs}: which attributes become which fields, in Dovecot's forms
         * ({@code mailHost=host}, {@code =proxy=y}, {@code =host=%{ldap:mailHost}}); default
         * {@value #DEFAULT_PASS_ATTRS}.
         *
         * @param attrs the list
         * @return this builder
         */
        public Builder passAttrs(String attrs) {
            once("passAttrs");
            this.passAttrs = Objects.requireNonNull(attrs, "passAttrs");
            return this;
        }

        /**
         * {@code auth_bind}: check passwords by binding as the user; default false.
         *
         * @param authBind whether to
         * @return this builder
         */
        public Builder authBind(boolean authBind) {
            once("authBind");
            this.authBind = authBind;
            return this;
        }

        /**
         * {@code auth_bind_userdn}: the user's DN, made from the login ({@code uid=%n,ou=people,dc=example,dc=org}),
         * instead of searching for it; needs {@link #authBind(boolean)}.
         *
         * @param template the DN template
         * @return this builder
         */
        public Builder authBindUserDn(String template) {
            once("authBindUserDn");
            this.authBindUserDn = Objects.requireNonNull(template, "authBindUserDn");
            return this;
        }

        /**
         * {@code tls = yes}: StartTLS on every ldap:// connection, before binding; default false.
         *
         * @param startTls whether to
         * @return this builder
         */
        public Builder startTls(boolean startTls) {
            once("startTls");
            this.startTls = startTls;
            return this;
        }

        /**
         * The TLS context for StartTLS and ldaps://; default the JVM's, which trusts its CA certificates.
         *
         * @param context the context
         * @param verifyHostName whether the certificate must name the host connected to ({@code false} is
         *                       Dovecot's {@code tls_require_cert = never} or {@code allow}, with a context
         *                       that trusts any certificate)
         * @return this builder
         */
        public Builder sslContext(SSLContext context, boolean verifyHostName) {
            once("sslContext");
            this.sslContext = Objects.requireNonNull(context, "sslContext");
            this.verifyHostName = verifyHostName;
            return this;
        }

        /**
         * @param timeout how long connecting to one server may take before the next is tried; default
         *                {@value #DEFAULT_TIMEOUT_SECONDS} seconds
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            once("connectTimeout");
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * @param timeout how long a search or a bind may take, and a lookup may wait for a free connection;
         *                default {@value #DEFAULT_TIMEOUT_SECONDS} seconds
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            once("requestTimeout");
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /**
         * @param connections the most connections to the directory for searches, and as many again for
         *                    authentication binds; default {@value #DEFAULT_CONNECTIONS}
         * @return this builder
         */
        public Builder connections(int connections) {
            once("connections");
            if (connections < 1) {
                throw new IllegalArgumentException("connections: must be at least 1: " + connections);
            }
            this.connections = connections;
            return this;
        }

        /**
         * {@code default_pass_scheme}: put as {@code {SCHEME}} before a {@code password} field that names
         * none; default {@value #DEFAULT_PASS_SCHEME}, as in Dovecot.
         *
         * @param scheme the scheme name
         * @return this builder
         */
        public Builder defaultPassScheme(String scheme) {
            once("defaultPassScheme");
            Objects.requireNonNull(scheme, "defaultPassScheme");
            if (!scheme.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("defaultPassScheme: not a scheme name: " + scheme);
            }
            this.defaultPassScheme = scheme;
            return this;
        }

        /**
         * @return the PassDb; its pools connect on first use
         * @throws IllegalArgumentException if a setting is missing, a template does not parse, or settings do
         *                                  not fit together (the message names them)
         */
        public LdapPassDb build() {
            if (servers == null) {
                throw new IllegalArgumentException("uris or hosts: missing");
            }
            if (base == null) {
                throw new IllegalArgumentException("base: missing");
            }
            if (authBindUserDn != null && !authBind) {
                throw new IllegalArgumentException("auth_bind_userdn: needs auth_bind = yes");
            }
            if (startTls && servers.stream().anyMatch(LdapServers.Server::ldaps)) {
                throw new IllegalArgumentException("tls = yes (StartTLS) with an ldaps:// URI: choose one");
            }
            SSLContext context = sslContext;
            if (context == null) {
                try {
                    context = SSLContext.getDefault();
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("no default TLS context", e);
                }
            }
            String source = "servers=" + LdapPassDbSettings.describe(servers) + ", dn=" + bindDn
                    + ", dnpass=" + (bindPassword == null ? "none" : "***") + ", base=" + base + ", scope=" + scope
                    + ", deref=" + deref + ", pass_filter=" + passFilter + ", pass_attrs=" + passAttrs
                    + ", auth_bind=" + authBind + (authBindUserDn == null ? "" : ", auth_bind_userdn=" + authBindUserDn)
                    + ", tls=" + startTls + ", connections=" + connections + ", connectTimeout=" + connectTimeout
                    + ", requestTimeout=" + requestTimeout;
            LdapPassDbSettings s = new LdapPassDbSettings(servers, bindDn, bindPassword,
                    LdapTemplate.request("base", base), LdapPassDbSettings.searchScope(scope), LdapPassDbSettings.dereferencePolicy(deref),
                    LdapTemplate.request("pass_filter", passFilter), PassAttrs.parse("pass_attrs", passAttrs, authBind),
                    authBind, authBindUserDn == null ? null : LdapTemplate.request("auth_bind_userdn", authBindUserDn),
                    startTls, context, verifyHostName, connectTimeout, requestTimeout, connections, defaultPassScheme,
                    source);
            LdapDirectory.check(s);
            try {
                return new LdapPassDb(s);
            } catch (LDAPException e) {
                throw new IllegalArgumentException("LDAP passdb: " + e.getExceptionMessage(), e);
            }
        }

        private void once(String name) {
            if (!set.add(name)) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": must be positive: " + d);
            }
            return d;
        }
    }

    /** Dovecot's {@code scope}: how deep under {@code base} to search. */
    public enum Scope {
        /** The base entry only. */
        BASE,
        /** The entries right under the base. */
        ONELEVEL,
        /** The base and everything under it (Dovecot's default). */
        SUBTREE
    }

    /** Dovecot's {@code deref}: when to follow aliases. */
    public enum Deref {
        /** Never (Dovecot's default). */
        NEVER,
        /** While searching under the base. */
        SEARCHING,
        /** While finding the base. */
        FINDING,
        /** Always. */
        ALWAYS
    }
}
