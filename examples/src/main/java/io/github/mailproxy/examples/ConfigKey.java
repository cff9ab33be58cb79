package io.github.mailproxy.examples;

import java.util.Optional;
import java.util.Set;

/**
 * The keys the launcher's properties file accepts, with what {@code --help} says about them.
 * A key of DESIGN.md that is not served yet is listed in {@link #PLANNED}, so that using it gives
 * "not supported yet" rather than "unknown key".
 */
public enum ConfigKey {
    /** Where the IMAP listener binds. */
    IMAP_LISTEN("imap.listen", "host:port", "IMAP listener address; absent = no IMAP listener"),
    /** Where the POP3 listener binds. */
    POP3_LISTEN("pop3.listen", "host:port", "POP3 listener address; absent = no POP3 listener"),
    /** Which PassDb finds the users' backends. */
    PASSDB("passdb", "static", "where users are looked up (passwd-file and jdbc: not yet)"),
    /** The fields of the static PassDb. */
    PASSDB_STATIC("passdb.static", "Dovecot static args",
            "fields every user gets, e.g. proxy=y host=10.0.0.2 port=143 nopassword=y"),
    /** How logins are decided. */
    AUTH("auth", "forward", "forward = the backend checks the client's password (default; master: not yet)"),
    /** Size of the auth cache. */
    AUTH_CACHE_SIZE("auth.cache.size", "number", "PassDb results kept in a cache; absent = no cache");

    /**
     * Keys of DESIGN.md that later issues bring; any key starting with {@code tls.} belongs here too.
     */
    public static final Set<String> PLANNED = Set.of(
            "passdb.passwd-file", "passdb.jdbc.url", "passdb.jdbc.user", "passdb.jdbc.password",
            "passdb.jdbc.query", "passdb.dovecot-sql-conf", "auth.master.user", "auth.master.password");

    private final String key;
    private final String form;
    private final String description;

    ConfigKey(String key, String form, String description) {
        this.key = key;
        this.form = form;
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

    /**
     * @param key a key from a properties file
     * @return whether a later version will accept it
     */
    public static boolean isPlanned(String key) {
        return PLANNED.contains(key) || key.startsWith("tls.");
    }
}
