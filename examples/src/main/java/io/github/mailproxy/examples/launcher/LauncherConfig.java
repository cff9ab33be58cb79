package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ServerCertificates;
import io.github.mailproxy.SessionListener;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The launcher's properties file, checked: every key known, every value well formed, no key that the
 * chosen {@code passdb} or {@code auth} does not read. Each key is read by its {@link ConfigKey}'s
 * parser; keys whose value alone sets a builder option are kept as {@link #options()} and applied
 * through the table, the others are read together by {@code ListenerConfig}, {@code PassDbConfig} and
 * {@code AuthConfig}.
 *
 * <pre>{@code
 * LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(Path.of("mailproxy.properties")));
 * try (RunningProxy proxy = Launcher.start(config)) {
 *     ...
 * }
 * }</pre>
 */
public final class LauncherConfig implements AutoCloseable {

    private final Map<ConfigKey<?>, Listener> listeners;
    private final PassDb passDb;
    private final AuthStrategy authStrategy;
    private final AuthCacheSpec authCache;
    private final Map<ConfigKey<?>, Object> options;
    private final ServerCertificates certificates;
    private final AdminConfig admin;

    private LauncherConfig(ListenerConfig.Listeners listeners, PassDb passDb, AuthStrategy authStrategy,
                           AuthCacheSpec authCache, Map<ConfigKey<?>, Object> options, AdminConfig admin) {
        this.listeners = Collections.unmodifiableMap(new LinkedHashMap<>(listeners.byKey()));
        this.certificates = listeners.certificates();
        this.passDb = Objects.requireNonNull(passDb, "passDb");
        this.authStrategy = Objects.requireNonNull(authStrategy, "authStrategy");
        this.authCache = authCache;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        this.admin = admin;
    }

    /** @return the admin listener's settings, or empty when {@code admin.listen} is absent (the default) */
    public Optional<AdminConfig> admin() {
        return Optional.ofNullable(admin);
    }

    /** @return the listeners by the key that configured them, in the table's order */
    public Map<ConfigKey<?>, Listener> listeners() {
        return listeners;
    }

    /**
     * @return the TLS listeners' certificates ({@code tls.keystore}, {@code tls.sni.keystores}), checked
     *         for changes every {@code tls.reload.interval} until {@link #close()}; empty without TLS
     */
    public Optional<ServerCertificates> certificates() {
        return Optional.ofNullable(certificates);
    }

    /** @return where users are looked up; closed by {@link #close()} when it is {@link AutoCloseable} */
    public PassDb passDb() {
        return passDb;
    }

    /** @return how logins are decided */
    public AuthStrategy authStrategy() {
        return authStrategy;
    }

    /** @return the auth cache, or {@code null} for none */
    public AuthCacheSpec authCache() {
        return authCache;
    }

    /**
     * @return the values of the keys that set a builder option, by key, in the table's order; a key
     *         that is absent leaves the builder's default and is not here
     */
    public Map<ConfigKey<?>, Object> options() {
        return options;
    }

    /**
     * @param key a key that sets a builder option
     * @param <T> its value's type
     * @return its value, or empty when the file leaves the builder's default
     */
    public <T> Optional<T> option(ConfigKey<T> key) {
        @SuppressWarnings("unchecked")  // put in by parse() under this very key, by its own parser
        T value = (T) options.get(key);
        return Optional.ofNullable(value);
    }

    /**
     * Reads a properties file (UTF-8). Stricter than {@link Properties#load(java.io.Reader)}: every line that is
     * not blank or a comment must be {@code key = value} (or {@code key: value}), and every key must be
     * one of {@link ConfigKey#values()}. Errors give the line number and never the line's text, unless it is
     * shown to be a key: a password pasted on a line of its own would be read by {@code Properties} as
     * a key, and echoed.
     *
     * @param file the file
     * @return its properties
     * @throws ConfigException if it does not exist, cannot be read, or has a stray line or unknown key
     */
    public static Properties load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + ": not found", e);
        } catch (IOException e) {
            // MalformedInputException and the like: their messages hold no text of the file
            throw new ConfigException("config file " + file + ": cannot be read: " + e, e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);  // a byte order mark some editors write; not part of the first key
        }
        Properties properties = new Properties();
        for (PropertiesLines.Line line : PropertiesLines.of(text)) {
            String where = "config file " + file + " line " + line.number() + ": ";
            if (!line.hasSeparator()) {
                throw new ConfigException(where + "not a 'key = value' line (not shown: it may be a secret)");
            }
            Properties one = new Properties();
            try {
                one.load(new StringReader(line.text()));
            } catch (IOException | IllegalArgumentException e) {
                // IllegalArgumentException: a malformed \\uXXXX escape; its message quotes the line
                throw new ConfigException(where + "malformed \\uXXXX escape", e);
            }
            for (String key : one.stringPropertyNames()) {
                if (ConfigKey.of(key).isEmpty()) {
                    throw new ConfigException(where + unknownKey(key));
                }
                properties.setProperty(key, one.getProperty(key));
            }
        }
        return properties;
    }

    /**
     * @return the error for a key that is not a {@link ConfigKey}, naming it only if its first word is
     *         that of a known key ({@code imap.port}): anything else may be a secret mistaken for a key
     */
    private static String unknownKey(String key) {
        String first = key.split("\\.", 2)[0];
        boolean keyLike = key.matches("[a-z0-9]+([.-][a-z0-9]+)*") && ConfigKey.values().stream()
                .anyMatch(k -> k.key().split("\\.", 2)[0].equals(first));
        return (keyLike ? key + ": unknown key" : "unknown key (not shown: it may be a secret)")
                + " (java -jar mailproxy.jar --help lists the keys)";
    }

    /**
     * Checks properties and turns them into a configuration. A JDBC PassDb's pool is made but does not
     * connect yet; {@link Launcher#start(LauncherConfig)} connects once before binding.
     *
     * @param properties the keys of {@link ConfigKey#values()}
     * @return the configuration; close it if it is not handed to {@link Launcher#start(LauncherConfig)}
     * @throws ConfigException naming the first key that is unknown, missing or wrong
     */
    public static LauncherConfig parse(Properties properties) {
        Map<String, String> values = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (ConfigKey.of(key).isEmpty()) {
                throw new ConfigException(unknownKey(key));
            }
            values.put(key, properties.getProperty(key).strip());
        }
        ConfigValues v = new ConfigValues(values);
        // the certificates' reload checks run from here on: stopped if anything after fails
        ListenerConfig.Listeners listeners = ListenerConfig.parse(v);
        try {
            AuthStrategy strategy = AuthConfig.strategy(v);
            AuthCacheSpec cache = AuthConfig.cache(v);
            AdminConfig admin = AdminConfig.parse(v);
            Map<ConfigKey<?>, Object> options = new LinkedHashMap<>();
            for (ConfigKey<?> key : ConfigKey.values()) {
                Object value = key.option().isPresent() ? v.get(key) : null;
                if (value != null) {
                    options.put(key, value);
                }
            }
            // last: the only other part that holds resources (a JDBC pool) once made
            return new LauncherConfig(listeners, PassDbConfig.parse(v), strategy, cache, options, admin);
        } catch (RuntimeException e) {
            if (listeners.certificates() != null) {
                listeners.certificates().close();
            }
            throw e;
        }
    }

    /**
     * Builds a server from this configuration; it is not started.
     *
     * @param listeners session listeners besides the default log line (the admin listener's meters)
     * @return the server
     * @throws ConfigException if the server refuses the combination
     */
    public ProxyServer newServer(SessionListener... listeners) {
        ProxyServer.Builder builder = ProxyServer.builder();
        for (SessionListener listener : listeners) {
            builder.addSessionListener(listener);
        }
        this.listeners.values().forEach(builder::listen);
        builder.passDb(passDb).authStrategy(authStrategy);
        if (authCache != null) {
            builder.authCache(authCache);
        }
        try {
            options.forEach((key, value) -> apply(builder, key, value));
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(keysFor(e.getMessage()), e);  // the builder's messages name the options
        }
    }

    /** @return a builder message with each option that a key sets called by the key, as the operator wrote it */
    private static String keysFor(String message) {
        String named = message;
        for (ConfigKey<?> key : ConfigKey.values()) {
            if (key.option().isPresent()) {
                named = named.replaceAll("\\b" + key.option().get().name() + "\\b", key.key());
            }
        }
        return named;
    }

    /** Sets a key's builder option; the value came from that key's own parser, so it has the key's type. */
    @SuppressWarnings("unchecked")
    private static <T> void apply(ProxyServer.Builder builder, ConfigKey<T> key, Object value) {
        key.option().orElseThrow().apply().accept(builder, (T) value);
    }

    /** Stops the certificates' reload checks and closes the PassDb if it holds resources (the JDBC pool). */
    @Override
    public void close() {
        if (certificates != null) {
            certificates.close();
        }
        if (passDb instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the passdb failed", e);
            }
        }
    }
}
