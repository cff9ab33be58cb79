package io.github.mailproxy.examples;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The launcher's properties file, checked: every key known, every value well formed. Each key is
 * read in one place below — a new {@code passdb} or {@code auth} kind, or TLS per listener, is one
 * more case there.
 *
 * <pre>{@code
 * LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(Path.of("mailproxy.properties")));
 * ProxyServer server = Launcher.start(config);
 * }</pre>
 *
 * @param listeners    the listeners by the key that configured them, in {@link ConfigKey} order
 * @param passDb       where users are looked up
 * @param authStrategy how logins are decided
 * @param authCache    the auth cache, or {@code null} for none
 */
public record LauncherConfig(Map<ConfigKey, Listener> listeners, PassDb passDb, AuthStrategy authStrategy,
                             AuthCacheSpec authCache) {

    /** Copies the listeners. */
    public LauncherConfig {
        listeners = Collections.unmodifiableMap(new EnumMap<>(listeners));
    }

    /**
     * Reads a properties file (UTF-8).
     *
     * @param file the file
     * @return its properties
     * @throws ConfigException if it does not exist or cannot be read
     */
    public static Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + ": not found", e);
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a malformed \\uXXXX escape in the file
            throw new ConfigException("config file " + file + ": cannot be read: " + e.getMessage(), e);
        }
        return properties;
    }

    /**
     * Checks properties and turns them into a configuration.
     *
     * @param properties the keys of {@link ConfigKey}
     * @return the configuration
     * @throws ConfigException naming the first key that is unknown, missing or wrong
     */
    public static LauncherConfig parse(Properties properties) {
        Map<String, String> values = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (ConfigKey.of(key).isEmpty()) {
                throw new ConfigException(ConfigKey.isPlanned(key)
                        ? key + ": not supported yet"
                        : key + ": unknown key (java -jar mailproxy.jar --help lists the keys)");
            }
            values.put(key, properties.getProperty(key).strip());
        }
        Values v = new Values(values);
        return new LauncherConfig(listeners(v), passDb(v), authStrategy(v), authCache(v));
    }

    /**
     * Builds a server from this configuration; it is not started.
     *
     * @return the server
     * @throws ConfigException if the server refuses the combination
     */
    public ProxyServer newServer() {
        ProxyServer.Builder builder = ProxyServer.builder();
        listeners.values().forEach(builder::listen);
        builder.passDb(passDb).authStrategy(authStrategy);
        if (authCache != null) {
            builder.authCache(authCache);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(e.getMessage(), e);  // the builder's messages name the setting
        }
    }

    private static Map<ConfigKey, Listener> listeners(Values v) {
        Map<ConfigKey, Listener> listeners = new EnumMap<>(ConfigKey.class);
        listener(v, ConfigKey.IMAP_LISTEN, ImapProtocol::plain, listeners);
        listener(v, ConfigKey.POP3_LISTEN, Pop3Protocol::plain, listeners);
        if (listeners.isEmpty()) {
            throw new ConfigException(ConfigKey.IMAP_LISTEN.key() + ", " + ConfigKey.POP3_LISTEN.key()
                    + ": no listener configured; set at least one");
        }
        return listeners;
    }

    private static void listener(Values v, ConfigKey key, Function<InetSocketAddress, Listener> factory,
                                 Map<ConfigKey, Listener> listeners) {
        String value = v.optional(key);
        if (value == null) {
            return;
        }
        InetSocketAddress address = ListenAddress.parse(key.key(), value);
        listeners.forEach((other, listener) -> {
            if (address.getPort() != 0 && listener.address().equals(address)) {
                throw new ConfigException(key.key() + ": " + value + " is already used by " + other.key());
            }
        });
        listeners.put(key, factory.apply(address));
    }

    private static PassDb passDb(Values v) {
        String kind = v.required(ConfigKey.PASSDB, "set passdb = static");
        return switch (kind) {
            case "static" -> staticPassDb(v.required(ConfigKey.PASSDB_STATIC, "needed by passdb = static"));
            case "passwd-file", "jdbc" -> throw new ConfigException("passdb = " + kind + " is not supported yet");
            default -> throw new ConfigException("passdb: unknown value '" + kind + "'; expected static");
        };
    }

    private static StaticPassDb staticPassDb(String args) {
        StaticPassDb passDb;
        try {
            passDb = StaticPassDb.parse(args);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        // Checked here, at start, rather than failing every login later.
        PassDbResult fields = PassDbResult.found(passDb.fields());
        if (fields.field(PassDbResult.HOST).or(() -> fields.field(PassDbResult.HOSTIP)).filter(h -> !h.isBlank())
                .isEmpty()) {
            throw new ConfigException(ConfigKey.PASSDB_STATIC.key() + ": needs host=... (the backend server)");
        }
        fields.field(PassDbResult.PORT).ifPresent(port -> ListenAddress.port(ConfigKey.PASSDB_STATIC.key(), port, 1));
        return passDb;
    }

    private static AuthStrategy authStrategy(Values v) {
        String kind = v.optional(ConfigKey.AUTH);
        if (kind == null) {
            return AuthStrategy.passwordForwarding();
        }
        return switch (kind) {
            case "forward" -> AuthStrategy.passwordForwarding();
            case "master" -> throw new ConfigException("auth = master is not supported yet");
            default -> throw new ConfigException("auth: unknown value '" + kind + "'; expected forward");
        };
    }

    private static AuthCacheSpec authCache(Values v) {
        String size = v.optional(ConfigKey.AUTH_CACHE_SIZE);
        if (size == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(size);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new ConfigException(ConfigKey.AUTH_CACHE_SIZE.key() + ": expected a positive whole number, got '"
                    + size + "'");
        }
        return AuthCacheSpec.maximumSize(n);
    }

    /** The stripped values of a properties file; an empty value is an error, not an absent key. */
    private record Values(Map<String, String> values) {

        String optional(ConfigKey key) {
            String value = values.get(key.key());
            if (value != null && value.isEmpty()) {
                throw new ConfigException(key.key() + ": empty value; expected " + key.form()
                        + " (or leave the key out)");
            }
            return value;
        }

        String required(ConfigKey key, String hint) {
            String value = optional(key);
            if (value == null) {
                throw new ConfigException(key.key() + ": missing; " + hint);
            }
            return value;
        }
    }
}
