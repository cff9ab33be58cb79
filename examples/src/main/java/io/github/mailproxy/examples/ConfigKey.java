package io.github.mailproxy.examples;

import java.util.Optional;

/**
 * The keys the launcher's properties file accepts, with their default and what {@code --help} and
 * the README's configuration reference say about them. The order here is the order of {@code --help}.
 */
public enum ConfigKey {
    /** Where the IMAP listener binds. */
    IMAP_LISTEN("imap.listen", "host:port", "none", "IMAP listener address; absent = no IMAP listener"),
    /** TLS on the IMAP listener. */
    IMAP_TLS("imap.tls", "plain|starttls|implicit", "plain",
            "starttls offers STARTTLS, implicit is TLS from the first byte (port 993); needs tls.keystore"),
    /** Where the POP3 listener binds. */
    POP3_LISTEN("pop3.listen", "host:port", "none", "POP3 listener address; absent = no POP3 listener"),
    /** TLS on the POP3 listener. */
    POP3_TLS("pop3.tls", "plain|starttls|implicit", "plain",
            "starttls offers STLS, implicit is TLS from the first byte (port 995); needs tls.keystore"),
    /** The listeners' key and certificate. */
    TLS_KEYSTORE("tls.keystore", "file", "none", "PKCS12 (or JKS) file with the server's key and certificate"),
    /** The keystore's password. */
    TLS_KEYSTORE_PASSWORD("tls.keystore.password", "text", "empty", "password of tls.keystore and of its key"),
    /** TLS versions, client side and backend side. */
    TLS_PROTOCOLS("tls.protocols", "list", "TLSv1.3,TLSv1.2", "TLS versions enabled, comma-separated"),

    /** Which PassDb finds the users' backends. */
    PASSDB("passdb", "static|passwd-file|jdbc", "required", "where users are looked up"),
    /** The fields of the static PassDb. */
    PASSDB_STATIC("passdb.static", "Dovecot static args", "none",
            "passdb = static: fields every user gets, e.g. proxy=y host=10.0.0.2 port=143 nopassword=y"),
    /** The passwd-file of the passwd-file PassDb. */
    PASSDB_PASSWD_FILE("passdb.passwd-file", "file", "none",
            "passdb = passwd-file: Dovecot passwd-file, extra fields honoured, reloaded when it changes"),
    /** The JDBC URL. */
    PASSDB_JDBC_URL("passdb.jdbc.url", "JDBC URL", "none",
            "passdb = jdbc: e.g. jdbc:mariadb:sequential://db1,db2/mail (the driver's own failover)"),
    /** The database user. */
    PASSDB_JDBC_USER("passdb.jdbc.user", "text", "none", "passdb = jdbc: database user"),
    /** The database password. */
    PASSDB_JDBC_PASSWORD("passdb.jdbc.password", "text", "none", "passdb = jdbc: database password"),
    /** The password query. */
    PASSDB_JDBC_QUERY("passdb.jdbc.query", "SQL", "none",
            "passdb = jdbc: a Dovecot password_query; %u %n %d %s %r %l become bind parameters"),
    /** The size of the connection pool. */
    PASSDB_JDBC_POOL_SIZE("passdb.jdbc.pool-size", "number", "4", "passdb = jdbc: database connections (HikariCP)"),
    /** A Dovecot dovecot-sql.conf instead of the passdb.jdbc keys. */
    PASSDB_DOVECOT_SQL_CONF("passdb.dovecot-sql-conf", "file", "none",
            "passdb = jdbc: read driver (mysql|pgsql), connect and password_query from this file instead"),

    /** How logins are decided. */
    AUTH("auth", "forward|master", "forward",
            "forward: the backend checks the client's password; master: the proxy checks it, logs in as master"),
    /** The master user. */
    AUTH_MASTER_USER("auth.master.user", "text", "from passdb",
            "auth = master: master user; absent = each passdb result's master and pass fields"),
    /** The master password. */
    AUTH_MASTER_PASSWORD("auth.master.password", "text", "from passdb", "auth = master: master password"),
    /** How the backend learns whose mailbox to open. */
    AUTH_MASTER_STYLE("auth.master.style", "separator|authzid", "separator",
            "auth = master: LOGIN user*master, or SASL PLAIN with authorization id"),
    /** The separator of the separator style. */
    AUTH_MASTER_SEPARATOR("auth.master.separator", "text", "*",
            "auth = master: Dovecot's auth_master_user_separator"),
    /** The client mechanisms offered in master mode. */
    AUTH_MECHANISMS("auth.mechanisms", "list", "PLAIN LOGIN",
            "auth = master: also CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, APOP (need plaintext passwords)"),
    /** Size of the auth cache. */
    AUTH_CACHE_SIZE("auth.cache.size", "number", "no cache", "passdb results kept in a cache (auth_cache_size)"),
    /** How long the auth cache keeps an entry. */
    AUTH_CACHE_TTL("auth.cache.ttl", "duration", "1h", "how long a cached result is kept (auth_cache_ttl)"),
    /** How long a failed login's reply is held back. */
    AUTH_FAILURE_DELAY("auth.failure-delay", "duration", "2s",
            "failed login's reply held back (auth_failure_delay), doubled per failure from an IP to 15s (auth penalty)"),

    /** How long a client may take to log in. */
    LOGIN_TIMEOUT("login.timeout", "duration", "60s", "from connecting to logged in"),
    /** How long a client that has not logged in may stay silent. */
    IDLE_TIMEOUT("idle.timeout", "duration", "30s", "silence allowed before login"),
    /** Connecting to and logging in to a backend. */
    BACKEND_TIMEOUT("backend.timeout", "duration", "30s",
            "connecting to a backend, and again its greeting and login (passdb field proxy_timeout overrides)"),
    /** Whether backends trust the proxy with the client's address. */
    BACKEND_TRUSTED("backend.trusted", "true|false", "true",
            "send the client's address when the backend offers it: IMAP ID x-originating-ip, POP3 XCLIENT; "
                    + "false (or the passdb field proxy_not_trusted) keeps it from every backend"),
    /** Connections at once. */
    MAX_CONNECTIONS("max.connections", "number", "100000", "client connections at once"),
    /** Connections at once from one IP. */
    MAX_CONNECTIONS_PER_IP("max.connections.per-ip", "number", "1000",
            "client connections at once from one IP (IPv6: per /64)"),
    /** Login attempts per IP per minute. */
    MAX_LOGINS_PER_IP("max.logins.per-ip", "number", "off",
            "opt-in cap on logins per minute from one IP (IPv6: per /64), successful ones included"),
    /** Clients trusted to speak for others. */
    LOGIN_TRUSTED_NETWORKS("login.trusted-networks", "IPs and CIDRs", "none",
            "no auth penalty or per-IP limits; may forward their client's address (login_trusted_networks)"),
    /** Where plaintext authentication is allowed. */
    PLAINTEXT_AUTH("plaintext.auth", "always|tls-or-loopback|tls-only", "tls-or-loopback",
            "where LOGIN, PLAIN and USER/PASS are allowed (disable_plaintext_auth)");

    private final String key;
    private final String form;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String form, String defaultValue, String description) {
        this.key = key;
        this.form = form;
        this.defaultValue = defaultValue;
        this.description = description;
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
     * @param key a key from a properties file
     * @return the supported key, if it is one
     */
    public static Optional<ConfigKey> of(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
