package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ServerCertificates;
import io.github.mailproxy.StaticPassDb;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * One key of the launcher's properties file, and the table of them all ({@link #values()}): its name,
 * the form of its value, its default and its help line (for {@code --help} and the README), how its
 * value is read ({@link Parser}, whose errors name the key), and, for a key whose value alone sets
 * a {@link ProxyServer.Builder} option, that option. Keys read together (the listeners and TLS, the
 * PassDb, the auth mode) have no option of their own: {@code ListenerConfig}, {@code PassDbConfig}
 * and {@code AuthConfig} read them.
 *
 * <pre>{@code
 * ConfigKey<Duration> key = ConfigKey.LOGIN_TIMEOUT;
 * Duration d = key.parse("45s");            // or a ConfigException naming login.timeout
 * key.option().get().apply().accept(builder, d);   // builder.loginTimeout(d)
 * }</pre>
 *
 * @param <T> the type of its value
 */
public final class ConfigKey<T> {

    /** Reads a value of a key; its errors name the key and never echo a secret's value. */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * @param key   the key, for messages
         * @param value the stripped, non-empty value
         * @return the value read
         * @throws ConfigException naming the key if the value is not of the key's form
         */
        T parse(ConfigKey<T> key, String value);
    }

    /**
     * A {@link ProxyServer.Builder} option that a key's value sets.
     *
     * @param name  the option's name, as the builder's messages say it ({@code loginTimeout})
     * @param apply sets it on a builder
     * @param <T>   the type of the value
     */
    public record Option<T>(String name, BiConsumer<ProxyServer.Builder, T> apply) {
    }

    private static <T> Option<T> option(String name, BiConsumer<ProxyServer.Builder, T> apply) {
        return new Option<>(name, apply);
    }

    /** Where the IMAP listener binds. */
    public static final ConfigKey<InetSocketAddress> IMAP_LISTEN = new ConfigKey<>("imap.listen", "host:port", "none",
            "IMAP listener address; absent = no IMAP listener", Parsers::listenAddress, null);
    /** TLS on the IMAP listener. */
    public static final ConfigKey<String> IMAP_TLS = new ConfigKey<>("imap.tls", "plain|starttls|implicit", "plain",
            "starttls offers STARTTLS, implicit is TLS from the first byte (port 993); needs tls.keystore",
            Parsers.choice("plain", "starttls", "implicit"), null);
    /** Where the POP3 listener binds. */
    public static final ConfigKey<InetSocketAddress> POP3_LISTEN = new ConfigKey<>("pop3.listen", "host:port", "none",
            "POP3 listener address; absent = no POP3 listener", Parsers::listenAddress, null);
    /** TLS on the POP3 listener. */
    public static final ConfigKey<String> POP3_TLS = new ConfigKey<>("pop3.tls", "plain|starttls|implicit", "plain",
            "starttls offers STLS, implicit is TLS from the first byte (port 995); needs tls.keystore",
            Parsers.choice("plain", "starttls", "implicit"), null);
    /** PROXY protocol on the IMAP listener. */
    public static final ConfigKey<Boolean> IMAP_HAPROXY = new ConfigKey<>("imap.haproxy", "yes|no", "no",
            "every connection starts with HAProxy's PROXY header (v1 or v2), from haproxy.trusted-networks only",
            Parsers::bool, null);
    /** PROXY protocol on the POP3 listener. */
    public static final ConfigKey<Boolean> POP3_HAPROXY = new ConfigKey<>("pop3.haproxy", "yes|no", "no",
            "every connection starts with HAProxy's PROXY header (v1 or v2), from haproxy.trusted-networks only",
            Parsers::bool, null);
    /** Load balancers allowed to send PROXY headers. */
    public static final ConfigKey<List<String>> HAPROXY_TRUSTED_NETWORKS = new ConfigKey<>("haproxy.trusted-networks",
            "IPs and CIDRs", "none", "load balancers that may send PROXY headers (haproxy_trusted_networks); "
                    + "others are closed without a greeting",
            Parsers::trustedNetworks, option("haproxyTrustedNetworks",
                    (b, v) -> b.haproxyTrustedNetworks(v.toArray(String[]::new))));
    /** How long a PROXY header may take. */
    public static final ConfigKey<Duration> HAPROXY_TIMEOUT = new ConfigKey<>("haproxy.timeout", "duration",
            Parsers.format(ProxyServer.Builder.DEFAULT_HAPROXY_TIMEOUT),
            "a PROXY header not complete by then closes the connection (haproxy_timeout)",
            Parsers::positiveDuration, option("haproxyTimeout", ProxyServer.Builder::haproxyTimeout));
    /** PROXY protocol v2 to backends. */
    public static final ConfigKey<Boolean> BACKEND_HAPROXY = new ConfigKey<>("backend.haproxy", "yes|no",
            ProxyServer.Builder.DEFAULT_BACKEND_HAPROXY ? "yes" : "no",
            "start backend connections with a PROXY v2 header (for Dovecot's haproxy = yes listeners) instead of "
                    + "ID/XCLIENT; the passdb field haproxy=yes|no overrides it per user",
            Parsers::bool, option("backendHaproxy", ProxyServer.Builder::backendHaproxy));
    /** The listeners' key and certificate. */
    public static final ConfigKey<Path> TLS_KEYSTORE = new ConfigKey<>("tls.keystore", "file", "none",
            "PKCS12 (or JKS) file with the server's key and certificate", Parsers::file, null);
    /** The keystore's password. */
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = new ConfigKey<>("tls.keystore.password", "text",
            "empty", "password of tls.keystore and of its key", Parsers::text, null);
    /** More keystores, chosen by the server name a client asks for. */
    public static final ConfigKey<List<Path>> TLS_SNI_KEYSTORES = new ConfigKey<>("tls.sni.keystores", "files", "none",
            "more PKCS12 (or JKS) files, password tls.keystore.password; a client asking for a name (SNI) in a "
                    + "certificate's DNS names (*.domain wildcards too) gets that key, others tls.keystore's",
            Parsers::files, null);
    /** How often the keystores are checked for a new content. */
    public static final ConfigKey<Duration> TLS_RELOAD_INTERVAL = new ConfigKey<>("tls.reload.interval", "duration",
            Parsers.format(ServerCertificates.DEFAULT_RELOAD_INTERVAL),
            "how often the keystores are checked; a changed one serves new handshakes, a bad one is logged "
                    + "and the keys in use kept; 0 = never", Parsers::duration, null);
    /** TLS versions, client side and backend side. */
    public static final ConfigKey<List<String>> TLS_PROTOCOLS = new ConfigKey<>("tls.protocols", "list",
            String.join(",", ProxyServer.Builder.DEFAULT_TLS_PROTOCOLS), "TLS versions enabled, comma-separated",
            Parsers::tlsProtocols, option("tlsProtocols", (b, v) -> b.tlsProtocols(v.toArray(String[]::new))));
    /** The TLS implementation. */
    public static final ConfigKey<java.security.Provider> TLS_PROVIDER = new ConfigKey<>("tls.provider", "jdk|conscrypt",
            "jdk", "TLS implementation, towards clients and backends: jdk (SunJSSE) or conscrypt (BoringSSL, bundled; "
            + "Linux, macOS, Windows on x86-64)", Parsers::tlsProvider,
            option("tlsProvider", ProxyServer.Builder::tlsProvider));

    /** Which PassDb finds the users' backends. */
    public static final ConfigKey<String> PASSDB = new ConfigKey<>("passdb", "static|passwd-file|jdbc|ldap|http",
            "required", "where users are looked up", Parsers.choice("static", "passwd-file", "jdbc", "ldap", "http"), null);
    /** The fields of the static PassDb. */
    public static final ConfigKey<StaticPassDb> PASSDB_STATIC = new ConfigKey<>("passdb.static", "Dovecot static args",
            "none", "passdb = static: fields every user gets, e.g. proxy=y host=10.0.0.2 port=143 nopassword=y",
            Parsers::staticPassDb, null);
    /** The passwd-file of the passwd-file PassDb. */
    public static final ConfigKey<Path> PASSDB_PASSWD_FILE = new ConfigKey<>("passdb.passwd-file", "file", "none",
            "passdb = passwd-file: Dovecot passwd-file, extra fields honoured, reloaded when it changes",
            Parsers::file, null);
    /** The JDBC URL. */
    public static final ConfigKey<String> PASSDB_JDBC_URL = new ConfigKey<>("passdb.jdbc.url", "JDBC URL", "none",
            "passdb = jdbc: e.g. jdbc:mariadb:sequential://db1,db2/mail (the driver's own failover)",
            Parsers::jdbcUrl, null);
    /** The database user. */
    public static final ConfigKey<String> PASSDB_JDBC_USER = new ConfigKey<>("passdb.jdbc.user", "text", "none",
            "passdb = jdbc: database user", Parsers::text, null);
    /** The database password. */
    public static final ConfigKey<String> PASSDB_JDBC_PASSWORD = new ConfigKey<>("passdb.jdbc.password", "text", "none",
            "passdb = jdbc: database password", Parsers::text, null);
    /** The password query. */
    public static final ConfigKey<String> PASSDB_JDBC_QUERY = new ConfigKey<>("passdb.jdbc.query", "SQL", "none",
            "passdb = jdbc: a Dovecot password_query; %u %n %d %s %r %l become bind parameters", Parsers::text, null);
    /** The size of the connection pool. */
    public static final ConfigKey<Integer> PASSDB_JDBC_POOL_SIZE = new ConfigKey<>("passdb.jdbc.pool-size", "number",
            "4", "passdb = jdbc: database connections (HikariCP)", Parsers::positiveInt, null);
    /** A Dovecot dovecot-sql.conf instead of the passdb.jdbc keys. */
    public static final ConfigKey<Path> PASSDB_DOVECOT_SQL_CONF = new ConfigKey<>("passdb.dovecot-sql-conf", "file",
            "none", "passdb = jdbc: read driver (mysql|pgsql), connect and password_query from this file instead",
            Parsers::file, null);
    /** The nginx auth_http server. */
    public static final ConfigKey<java.net.URI> PASSDB_HTTP_URL = new ConfigKey<>("passdb.http.url", "URL", "none",
            "passdb = http: the auth server of nginx's auth_http, e.g. http://127.0.0.1:9000/auth (or https://)",
            Parsers::httpUrl, null);
    /** Extra headers to the auth server. */
    public static final ConfigKey<String> PASSDB_HTTP_HEADERS = new ConfigKey<>("passdb.http.headers",
            "Name: value; ...", "none", "passdb = http: extra request headers, as nginx's auth_http_header",
            Parsers::text, null);
    /** How long one request to the auth server may take. */
    public static final ConfigKey<Duration> PASSDB_HTTP_TIMEOUT = new ConfigKey<>("passdb.http.timeout", "duration",
            Parsers.format(io.github.mailproxy.passdb.http.HttpPassDb.Builder.DEFAULT_TIMEOUT),
            "passdb = http: one request to the auth server, as nginx's auth_http_timeout", Parsers::positiveDuration,
            null);
    /** A Dovecot dovecot-ldap.conf.ext: the LDAP PassDb's settings. */
    public static final ConfigKey<Path> PASSDB_DOVECOT_LDAP_CONF = new ConfigKey<>("passdb.dovecot-ldap-conf", "file",
            "none", "passdb = ldap: Dovecot's dovecot-ldap.conf.ext (hosts/uris, dn, base, pass_filter, pass_attrs,"
            + " auth_bind, tls...), read as is", Parsers::file, null);

    /** How logins are decided. */
    public static final ConfigKey<String> AUTH = new ConfigKey<>("auth", "forward|master", "forward",
            "forward: the backend checks the client's password; master: the proxy checks it, logs in as master",
            Parsers.choice("forward", "master"), null);
    /** The master user. */
    public static final ConfigKey<String> AUTH_MASTER_USER = new ConfigKey<>("auth.master.user", "text", "from passdb",
            "auth = master: master user; absent = each passdb result's master and pass fields", Parsers::text, null);
    /** The master password. */
    public static final ConfigKey<String> AUTH_MASTER_PASSWORD = new ConfigKey<>("auth.master.password", "text",
            "from passdb", "auth = master: master password", Parsers::text, null);
    /** How the backend learns whose mailbox to open. */
    public static final ConfigKey<String> AUTH_MASTER_STYLE = new ConfigKey<>("auth.master.style",
            "separator|authzid", "separator", "auth = master: LOGIN user*master, or SASL PLAIN with authorization id",
            Parsers.choice("separator", "authzid"), null);
    /** The separator of the separator style. */
    public static final ConfigKey<String> AUTH_MASTER_SEPARATOR = new ConfigKey<>("auth.master.separator", "text", "*",
            "auth = master: Dovecot's auth_master_user_separator", Parsers::text, null);
    /** The client mechanisms offered in master mode. */
    public static final ConfigKey<List<String>> AUTH_MECHANISMS = new ConfigKey<>("auth.mechanisms", "list",
            "PLAIN LOGIN", "auth = master: also CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, APOP (need plaintext passwords)",
            Parsers::list, null);
    /** Size of the auth cache. */
    public static final ConfigKey<Integer> AUTH_CACHE_SIZE = new ConfigKey<>("auth.cache.size", "number", "no cache",
            "passdb results kept in a cache (auth_cache_size)", Parsers::positiveInt, null);
    /** How long the auth cache keeps an entry. */
    public static final ConfigKey<Duration> AUTH_CACHE_TTL = new ConfigKey<>("auth.cache.ttl", "duration", "1h",
            "how long a cached result is kept (auth_cache_ttl)", Parsers::positiveDuration, null);
    /** How long a failed login's reply is held back. */
    public static final ConfigKey<Duration> AUTH_FAILURE_DELAY = new ConfigKey<>("auth.failure-delay", "duration",
            Parsers.format(ProxyServer.Builder.DEFAULT_AUTH_FAILURE_DELAY),
            "failed login's reply held back (auth_failure_delay), doubled per failure from an IP to 15s (auth penalty)",
            Parsers::duration, option("authFailureDelay", ProxyServer.Builder::authFailureDelay));

    /** How long a client may take to log in. */
    public static final ConfigKey<Duration> LOGIN_TIMEOUT = new ConfigKey<>("login.timeout", "duration",
            Parsers.format(ProxyServer.Builder.DEFAULT_LOGIN_TIMEOUT), "from connecting to logged in",
            Parsers::positiveDuration, option("loginTimeout", ProxyServer.Builder::loginTimeout));
    /** How long a client that has not logged in may stay silent. */
    public static final ConfigKey<Duration> IDLE_TIMEOUT = new ConfigKey<>("idle.timeout", "duration",
            Parsers.format(ProxyServer.Builder.DEFAULT_IDLE_TIMEOUT), "silence allowed before login",
            Parsers::positiveDuration, option("idleTimeout", ProxyServer.Builder::idleTimeout));
    /** Connecting to and logging in to a backend. */
    public static final ConfigKey<Duration> BACKEND_TIMEOUT = new ConfigKey<>("backend.timeout", "duration",
            Parsers.format(ProxyServer.Builder.DEFAULT_BACKEND_CONNECT_TIMEOUT),
            "connecting to a backend, and again its greeting and login (passdb field proxy_timeout overrides)",
            Parsers::positiveDuration, option("backendConnectTimeout", ProxyServer.Builder::backendConnectTimeout));
    /** Whether backends trust the proxy with the client's address. */
    public static final ConfigKey<Boolean> BACKEND_TRUSTED = new ConfigKey<>("backend.trusted", "true|false",
            String.valueOf(ProxyServer.Builder.DEFAULT_BACKEND_TRUSTED),
            "send the client's address when the backend offers it: IMAP ID x-originating-ip, POP3 XCLIENT; "
                    + "false (or the passdb field proxy_not_trusted) keeps it from every backend",
            Parsers::bool, option("backendTrusted", ProxyServer.Builder::backendTrusted));
    /** Connections at once. */
    public static final ConfigKey<Integer> MAX_CONNECTIONS = new ConfigKey<>("max.connections", "number",
            String.valueOf(ProxyServer.Builder.DEFAULT_MAX_CONNECTIONS), "client connections at once",
            Parsers::positiveInt, option("maxConnections", ProxyServer.Builder::maxConnections));
    /** Connections at once from one IP. */
    public static final ConfigKey<Integer> MAX_CONNECTIONS_PER_IP = new ConfigKey<>("max.connections.per-ip", "number",
            String.valueOf(ProxyServer.Builder.DEFAULT_MAX_CONNECTIONS_PER_IP),
            "client connections at once from one IP (IPv6: per /64)",
            Parsers::positiveInt, option("maxConnectionsPerIp", ProxyServer.Builder::maxConnectionsPerIp));
    /** Login attempts per IP per minute. */
    public static final ConfigKey<Integer> MAX_LOGINS_PER_IP = new ConfigKey<>("max.logins.per-ip", "number", "off",
            "opt-in cap on logins per minute from one IP (IPv6: per /64), successful ones included",
            Parsers::positiveInt, option("maxLoginsPerIpPerMinute", ProxyServer.Builder::maxLoginsPerIpPerMinute));
    /** Clients trusted to speak for others. */
    public static final ConfigKey<List<String>> LOGIN_TRUSTED_NETWORKS = new ConfigKey<>("login.trusted-networks",
            "IPs and CIDRs", "none",
            "no auth penalty or per-IP limits; may forward their client's address (login_trusted_networks)",
            Parsers::trustedNetworks, option("loginTrustedNetworks", (b, v) -> b.loginTrustedNetworks(v.toArray(String[]::new))));
    /** This server's other addresses, for proxy_maybe. */
    public static final ConfigKey<List<String>> AUTH_PROXY_SELF = new ConfigKey<>("auth.proxy-self",
            "IPs and CIDRs", "none",
            "proxy_maybe to these hosts (or to a listening address) is local, not proxied (auth_proxy_self)",
            Parsers::proxySelf, option("proxySelf", (b, v) -> b.proxySelf(v.toArray(String[]::new))));
    /** Where plaintext authentication is allowed. */
    public static final ConfigKey<PlaintextAuth> PLAINTEXT_AUTH = new ConfigKey<>("plaintext.auth",
            "always|tls-or-loopback|tls-only", Parsers.format(ProxyServer.Builder.DEFAULT_PLAINTEXT_AUTH),
            "where LOGIN, PLAIN and USER/PASS are allowed (disable_plaintext_auth)",
            Parsers::plaintextAuth, option("plaintextAuth", ProxyServer.Builder::plaintextAuth));

    /** Where the admin HTTP listener binds. */
    public static final ConfigKey<InetSocketAddress> ADMIN_LISTEN = new ConfigKey<>("admin.listen", "host:port", "off",
            "admin HTTP listener (loopback recommended): /metrics /sessions /kick /stats /health/live /health/ready /",
            Parsers::listenAddress, null);
    /** The admin listener's bearer token. */
    public static final ConfigKey<String> ADMIN_TOKEN = new ConfigKey<>("admin.token", "text", "none",
            "admin.listen: every request but the page needs Authorization: Bearer TEXT (401 otherwise)",
            Parsers::text, null);

    /** The table, in the order of {@code --help}. */
    private static final List<ConfigKey<?>> VALUES = List.of(IMAP_LISTEN, IMAP_TLS, IMAP_HAPROXY, POP3_LISTEN, POP3_TLS,
            POP3_HAPROXY, HAPROXY_TRUSTED_NETWORKS, HAPROXY_TIMEOUT, BACKEND_HAPROXY, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
            TLS_SNI_KEYSTORES, TLS_RELOAD_INTERVAL, TLS_PROTOCOLS, TLS_PROVIDER, PASSDB, PASSDB_STATIC,
            PASSDB_PASSWD_FILE, PASSDB_JDBC_URL,
            PASSDB_JDBC_USER, PASSDB_JDBC_PASSWORD, PASSDB_JDBC_QUERY, PASSDB_JDBC_POOL_SIZE, PASSDB_DOVECOT_SQL_CONF,
            PASSDB_HTTP_URL, PASSDB_HTTP_HEADERS, PASSDB_HTTP_TIMEOUT,
            PASSDB_DOVECOT_LDAP_CONF,
            AUTH, AUTH_MASTER_USER, AUTH_MASTER_PASSWORD, AUTH_MASTER_STYLE, AUTH_MASTER_SEPARATOR, AUTH_MECHANISMS,
            AUTH_CACHE_SIZE, AUTH_CACHE_TTL, AUTH_FAILURE_DELAY, AUTH_PROXY_SELF, LOGIN_TIMEOUT, IDLE_TIMEOUT, BACKEND_TIMEOUT,
            BACKEND_TRUSTED, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, MAX_LOGINS_PER_IP, LOGIN_TRUSTED_NETWORKS,
            PLAINTEXT_AUTH, ADMIN_LISTEN, ADMIN_TOKEN);

    private final String key;
    private final String form;
    private final String defaultValue;
    private final String description;
    private final Parser<T> parser;
    private final Option<T> option;

    private ConfigKey(String key, String form, String defaultValue, String description, Parser<T> parser,
                      Option<T> option) {
        this.key = key;
        this.form = form;
        this.defaultValue = defaultValue;
        this.description = description;
        this.parser = parser;
        this.option = option;
    }

    /** @return every key, in the order of {@code --help} */
    public static List<ConfigKey<?>> values() {
        return VALUES;
    }

    /**
     * @param key a key from a properties file
     * @return the supported key, if it is one
     */
    public static Optional<ConfigKey<?>> of(String key) {
        return VALUES.stream().<ConfigKey<?>>map(k -> k).filter(k -> k.key.equals(key)).findFirst();
    }

    /** @return the key as written in the properties file */
    public String key() {
        return key;
    }

    /** @return the form of its value, for {@code --help} */
    public String form() {
        return form;
    }

    /** @return what applies when the key is absent */
    public String defaultValue() {
        return defaultValue;
    }

    /** @return one line saying what it does */
    public String description() {
        return description;
    }

    /**
     * @param value the stripped, non-empty value
     * @return the value read
     * @throws ConfigException naming this key if the value is not of its form
     */
    public T parse(String value) {
        return parser.parse(this, Objects.requireNonNull(value, "value"));
    }

    /** @return the builder option this key's value sets, or empty for a key read together with others */
    public Optional<Option<T>> option() {
        return Optional.ofNullable(option);
    }

    /** @return the key, as {@code imap.listen} */
    @Override
    public String toString() {
        return key;
    }

    /** The keys' parsers; static so that the table above can name them. */
    static final class Parsers {

        private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h)?");
        private static final java.util.Set<String> TLS_VERSIONS = java.util.Set.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");

        private Parsers() {
        }

        static String text(ConfigKey<String> key, String value) {
            return value;
        }

        /** An http or https URL; the value is not echoed, as its query or user part may hold a key. */
        static java.net.URI httpUrl(ConfigKey<java.net.URI> key, String value) {
            try {
                java.net.URI url = new java.net.URI(value);
                io.github.mailproxy.passdb.http.HttpPassDb.builder(url);
                return url;
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                throw new ConfigException(key.key() + ": expected an http:// or https:// URL with a host, such as "
                        + "http://127.0.0.1:9000/auth (the value is not shown: it may hold a key)");
            }
        }

        static Parser<String> choice(String... choices) {
            return (key, value) -> {
                String lower = value.toLowerCase(Locale.ROOT);
                if (!List.of(choices).contains(lower)) {
                    throw new ConfigException(key.key() + ": unknown value '" + value + "'; expected "
                            + String.join(", ", choices));
                }
                return lower;
            };
        }

        static Integer positiveInt(ConfigKey<Integer> key, String value) {
            int n = value.matches("[0-9]{1,9}") ? Integer.parseInt(value) : 0;
            if (n < 1) {
                throw new ConfigException(key.key() + ": expected a positive whole number, got '" + value + "'");
            }
            return n;
        }

        /**
         * A duration written as a number with an optional unit ({@code 500ms}, {@code 30s}, {@code 5m},
         * {@code 1h}; seconds without one); zero allowed.
         */
        static Duration duration(ConfigKey<Duration> key, String value) {
            java.util.regex.Matcher m = DURATION.matcher(value);
            if (!m.matches()) {
                throw new ConfigException(key.key() + ": expected a duration such as 30s, 5m, 1h or 500ms, got '"
                        + value + "'");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }

        static Duration positiveDuration(ConfigKey<Duration> key, String value) {
            Duration d = duration(key, value);
            if (d.isZero()) {
                throw new ConfigException(key.key() + ": must be more than zero, got '" + value + "'");
            }
            return d;
        }

        /** @return a duration as the launcher writes it: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} */
        static String format(Duration d) {
            if (d.toMillis() % 1000 != 0) {
                return d.toMillis() + "ms";
            }
            long s = d.toSeconds();
            return s % 3600 == 0 && s > 0 ? s / 3600 + "h" : s + "s";
        }

        /** @return an enum constant as the launcher writes it: {@code TLS_OR_LOOPBACK} as {@code tls-or-loopback} */
        static String format(Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Boolean bool(ConfigKey<Boolean> key, String value) {
            String lower = value.toLowerCase(Locale.ROOT);
            if (!List.of("true", "false", "yes", "no").contains(lower)) {
                throw new ConfigException(key.key() + ": unknown value '" + value + "'; expected true, false, yes, no");
            }
            return lower.equals("true") || lower.equals("yes");
        }

        static PlaintextAuth plaintextAuth(ConfigKey<PlaintextAuth> key, String value) {
            for (PlaintextAuth p : PlaintextAuth.values()) {
                if (format(p).equals(value.toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
            throw new ConfigException(key.key() + ": unknown value '" + value + "'; expected always, tls-or-loopback, "
                    + "tls-only");
        }

        /** @return a file that exists and can be read */
        static Path file(ConfigKey<Path> key, String value) {
            return readableFile(key, value);
        }

        private static Path readableFile(ConfigKey<?> key, String value) {
            Path path = Path.of(value);
            if (!java.nio.file.Files.isRegularFile(path)) {
                throw new ConfigException(key.key() + ": file not found: " + value);
            }
            if (!java.nio.file.Files.isReadable(path)) {
                throw new ConfigException(key.key() + ": file cannot be read: " + value);
            }
            return path;
        }

        /** @return files that exist and can be read, separated by commas or spaces */
        static List<Path> files(ConfigKey<List<Path>> key, String value) {
            return java.util.Arrays.stream(value.split("[\\s,]+")).map(name -> readableFile(key, name)).toList();
        }

        /** @return the words of a list separated by commas or spaces */
        static List<String> list(ConfigKey<List<String>> key, String value) {
            return List.of(value.split("[\\s,]+"));
        }

        static InetSocketAddress listenAddress(ConfigKey<InetSocketAddress> key, String value) {
            return ListenAddress.parse(key.key(), value);
        }

        static java.security.Provider tlsProvider(ConfigKey<java.security.Provider> key, String value) {
            String name = value.toLowerCase(Locale.ROOT);
            if (!List.of("jdk", "conscrypt").contains(name)) {
                throw new ConfigException(key.key() + ": unknown value '" + value + "'; expected jdk, conscrypt");
            }
            if (name.equals("jdk")) {
                try {
                    return javax.net.ssl.SSLContext.getDefault().getProvider();
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new ConfigException(key.key() + ": this JVM has no TLS implementation", e);
                }
            }
            try {
                return org.conscrypt.Conscrypt.newProvider();
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new ConfigException(key.key() + ": conscrypt cannot start on this platform (" + e.getMessage()
                        + "); use jdk", e);
            }
        }

        static List<String> tlsProtocols(ConfigKey<List<String>> key, String value) {
            List<String> protocols = list(key, value);
            for (String p : protocols) {
                if (!TLS_VERSIONS.contains(p)) {
                    throw new ConfigException(key.key() + ": unknown TLS version '" + p + "'; expected TLSv1.3, TLSv1.2");
                }
            }
            return protocols;
        }

        /** Checked by the builder's own parser, so that the launcher accepts what the builder does. */
        static List<String> trustedNetworks(ConfigKey<List<String>> key, String value) {
            return networks(key, value, ProxyServer.Builder::loginTrustedNetworks);
        }

        static List<String> proxySelf(ConfigKey<List<String>> key, String value) {
            return networks(key, value, ProxyServer.Builder::proxySelf);
        }

        private static List<String> networks(ConfigKey<List<String>> key, String value,
                                             java.util.function.BiConsumer<ProxyServer.Builder, String[]> option) {
            List<String> networks = list(key, value);
            try {
                option.accept(ProxyServer.builder(), networks.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                String why = e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip();
                throw new ConfigException(key.key() + ": " + why, e);
            }
            return networks;
        }

        static StaticPassDb staticPassDb(ConfigKey<StaticPassDb> key, String value) {
            return PassDbConfig.staticPassDb(value);
        }

        static String jdbcUrl(ConfigKey<String> key, String value) {
            PassDbConfig.checkDriver(key, value);
            return value;
        }
    }
}
