package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.DovecotSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * What a Dovecot {@code dovecot-sql.conf} says about the password lookup, translated to JDBC.
 *
 * <p>{@code driver = mysql} becomes a MariaDB Connector/J URL, {@code driver = pgsql} a PostgreSQL
 * JDBC URL. Of {@code connect}, {@code host} may be given more than once (or, as libpq allows, as a
 * comma-separated list): the hosts become the driver's own failover URL, tried in order —
 * {@code jdbc:mariadb:sequential://h1,h2/db} or {@code jdbc:postgresql://h1,h2/db}. {@code port}
 * applies to every host; {@code dbname} is required; {@code user} and {@code password} are kept apart
 * from the URL. For {@code pgsql}, {@code sslmode} and {@code connect_timeout} are passed on. Anything
 * else in {@code connect} is refused, naming it, rather than silently dropped.
 *
 * <pre>{@code
 * DovecotSqlConf conf = DovecotSqlConf.parse(Path.of("/etc/dovecot/dovecot-sql.conf"));
 * conf.jdbcUrl();   // jdbc:mariadb:sequential://sqlhost1,sqlhost2/mail
 * }</pre>
 *
 * {@link #toString()} masks the password.
 *
 * @param driver            Dovecot's driver name: {@code mysql} or {@code pgsql}
 * @param jdbcUrl           the JDBC URL
 * @param user              the database user, or {@code null}
 * @param password          the database password, or {@code null}
 * @param passwordQuery     the {@code password_query}, as written
 * @param defaultPassScheme the {@code default_pass_scheme}, or {@code null}
 */
public record DovecotSqlConf(String driver, String jdbcUrl, String user, String password, String passwordQuery,
                             String defaultPassScheme) {

    private static final Set<String> KEYS = Set.of("driver", "connect", "password_query", "user_query",
            "iterate_query", "update_query", "default_pass_scheme");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:-]+");
    private static final Pattern DBNAME = Pattern.compile("[A-Za-z0-9_$-]+");
    private static final Pattern PG_OPTION = Pattern.compile("[A-Za-z0-9_-]+");
    /**
     * Parameters Dovecot's mysql and pgsql drivers (libpq) know: an unsupported one of these is named in
     * the error; any other word is not, since a password with a space in it splits into such words.
     */
    private static final Set<String> DOVECOT_CONNECT_KEYS = Set.of("host", "port", "dbname", "user", "password",
            "client_flags", "ssl_key", "ssl_cert", "ssl_ca", "ssl_ca_file", "ssl_ca_path", "ssl_cipher",
            "ssl_verify_server_cert", "option_file", "option_group", "read_timeout", "write_timeout",
            "connect_timeout", "hostaddr", "passfile", "options", "application_name", "sslmode", "sslcert",
            "sslkey", "sslrootcert", "sslcrl", "sslpassword", "target_session_attrs", "keepalives",
            "gssencmode", "krbsrvname", "service", "require_auth", "channel_binding");

    /** Checks the required components. */
    public DovecotSqlConf {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(passwordQuery, "passwordQuery");
    }

    /**
     * Reads a configuration file (UTF-8).
     *
     * @param file the file
     * @return what it says
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not valid; the message names the file and the setting
     */
    public static DovecotSqlConf parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the text of a configuration: {@code key = value} lines, {@code #} comment lines, a line
     * ending in a backslash continued on the next; a value in double quotes loses them.
     *
     * @param text the configuration
     * @return what it says
     * @throws IllegalArgumentException if it is not valid; the message names the setting
     */
    public static DovecotSqlConf parse(String text) {
        Map<String, String> settings = DovecotSettings.parse(text, "dovecot-sql.conf", KEYS);
        String driver = require(settings, "driver").toLowerCase(Locale.ROOT);
        if (!driver.equals("mysql") && !driver.equals("pgsql")) {
            throw new IllegalArgumentException("dovecot-sql.conf driver: '" + driver
                    + "' is not supported; mysql and pgsql are");
        }
        String query = require(settings, "password_query");
        QueryTemplate.parse(query);  // fails now, naming the variable, rather than at the first login
        Map<String, List<String>> connect = connect(require(settings, "connect"), driver);
        String user = single(connect, "user");
        String password = single(connect, "password");
        return new DovecotSqlConf(driver, url(driver, connect), user, password, query,
                settings.get("default_pass_scheme"));
    }

    /**
     * A DataSource that opens a new connection through {@link java.sql.DriverManager} for every
     * lookup; fine for light use and tests. For a pool, build one from {@link #jdbcUrl()},
     * {@link #user()} and {@link #password()}.
     *
     * @return the DataSource
     */
    public DataSource dataSource() {
        return new DriverManagerDataSource(jdbcUrl, user, password);
    }

    @Override
    public String toString() {
        return "DovecotSqlConf[driver=" + driver + ", jdbcUrl=" + jdbcUrl + ", user=" + user
                + ", password=" + (password == null ? "none" : "***") + ", passwordQuery=" + passwordQuery
                + ", defaultPassScheme=" + defaultPassScheme + "]";
    }

    private static String require(Map<String, String> settings, String key) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("dovecot-sql.conf " + key + ": missing");
        }
        return value;
    }

    /**
     * Splits {@code key=value key='quoted value'} pairs; {@code host} may repeat. Errors give an offset
     * and name a key only when it is one of {@link #DOVECOT_CONNECT_KEYS}: the text here holds the password.
     */
    private static Map<String, List<String>> connect(String connect, String driver) {
        Set<String> known = driver.equals("pgsql")
                ? Set.of("host", "port", "dbname", "user", "password", "sslmode", "connect_timeout")
                : Set.of("host", "port", "dbname", "user", "password");
        Map<String, List<String>> pairs = new LinkedHashMap<>();
        int i = 0;
        int n = connect.length();
        while (i < n) {
            if (Character.isWhitespace(connect.charAt(i))) {
                i++;
                continue;
            }
            int eq = connect.indexOf('=', i);
            int space = indexOfWhitespace(connect, i);
            if (eq < 0 || (space >= 0 && space < eq)) {
                // The offset, not the text: a stray word here may well be part of a password.
                throw new IllegalArgumentException("dovecot-sql.conf connect: expected key=value at offset " + i);
            }
            String key = connect.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            if (!known.contains(key)) {
                String which = DOVECOT_CONNECT_KEYS.contains(key) ? "'" + key + "'" : "the parameter at offset " + i;
                throw new IllegalArgumentException("dovecot-sql.conf connect: " + which
                        + " is not supported with driver " + driver + "; supported are " + new TreeSet<>(known));
            }
            StringBuilder value = new StringBuilder();
            i = eq + 1;
            if (i < n && connect.charAt(i) == '\'') {
                i++;
                while (i < n && connect.charAt(i) != '\'') {
                    if (connect.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    value.append(connect.charAt(i++));
                }
                if (i >= n) {
                    throw new IllegalArgumentException("dovecot-sql.conf connect: the quoted value of " + key
                            + " is not closed");
                }
                i++;
            } else {
                while (i < n && !Character.isWhitespace(connect.charAt(i))) {
                    value.append(connect.charAt(i++));
                }
            }
            pairs.computeIfAbsent(key, k -> new ArrayList<>()).add(value.toString());
        }
        return pairs;
    }

    private static int indexOfWhitespace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static String single(Map<String, List<String>> connect, String key) {
        List<String> values = connect.get(key);
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException("dovecot-sql.conf connect: " + key + " given more than once");
        }
        return values.get(0);
    }

    private static String url(String driver, Map<String, List<String>> connect) {
        List<String> hosts = new ArrayList<>();
        for (String value : connect.getOrDefault("host", List.of("localhost"))) {
            for (String host : value.split(",")) {
                if (host.startsWith("/")) {
                    throw new IllegalArgumentException("dovecot-sql.conf connect: host " + host
                            + " is a Unix socket, which JDBC cannot use; give a host name");
                }
                if (!HOST.matcher(host).matches()) {
                    throw new IllegalArgumentException("dovecot-sql.conf connect: not a host name: '" + host + "'");
                }
                hosts.add(host.contains(":") ? "[" + host + "]" : host);
            }
        }
        String port = single(connect, "port");
        if (port != null) {
            try {
                int p = Integer.parseInt(port);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dovecot-sql.conf connect: port is not a port number: '" + port + "'");
            }
        }
        String dbname = single(connect, "dbname");
        if (dbname == null) {
            throw new IllegalArgumentException("dovecot-sql.conf connect: dbname is missing");
        }
        if (!DBNAME.matcher(dbname).matches()) {
            throw new IllegalArgumentException("dovecot-sql.conf connect: dbname has characters a JDBC URL cannot"
                    + " carry: '" + dbname + "'");
        }
        StringBuilder hostList = new StringBuilder();
        for (String host : hosts) {
            if (!hostList.isEmpty()) {
                hostList.append(',');
            }
            hostList.append(host);
            if (port != null) {
                hostList.append(':').append(port);
            }
        }
        if (driver.equals("mysql")) {
            // sequential: try the hosts in the order given, as Dovecot's list of hosts reads.
            return "jdbc:mariadb:" + (hosts.size() > 1 ? "sequential:" : "") + "//" + hostList + "/" + dbname;
        }
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostList).append('/').append(dbname);
        char sep = '?';
        for (String[] option : new String[][] {{"sslmode", "sslmode"}, {"connect_timeout", "connectTimeout"}}) {
            String value = single(connect, option[0]);
            if (value != null) {
                if (!PG_OPTION.matcher(value).matches()) {
                    throw new IllegalArgumentException("dovecot-sql.conf connect: not a valid " + option[0] + ": '"
                            + value + "'");
                }
                url.append(sep).append(option[1]).append('=').append(value);
                sep = '&';
            }
        }
        return url.toString();
    }
}
