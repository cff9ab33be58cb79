package io.github.mailproxy.examples;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The launcher's properties file, checked: every key known, every value well formed, no key that the
 * chosen {@code passdb} or {@code auth} does not read. The keys are read by {@code ListenerConfig},
 * {@code PassDbConfig}, {@code AuthConfig} and {@link ServerOptions}.
 *
 * <pre>{@code
 * LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(Path.of("mailproxy.properties")));
 * try (RunningProxy proxy = Launcher.start(config)) {
 *     ...
 * }
 * }</pre>
 *
 * @param listeners    the listeners by the key that configured them, in {@link ConfigKey} order
 * @param passDb       where users are looked up; closed by {@link #close()} when it is {@link AutoCloseable}
 * @param authStrategy how logins are decided
 * @param authCache    the auth cache, or {@code null} for none
 * @param options      limits and timeouts
 */
public record LauncherConfig(Map<ConfigKey, Listener> listeners, PassDb passDb, AuthStrategy authStrategy,
                             AuthCacheSpec authCache, ServerOptions options) implements AutoCloseable {

    /** Copies the listeners. */
    public LauncherConfig {
        listeners = Collections.unmodifiableMap(new EnumMap<>(listeners));
        Objects.requireNonNull(passDb, "passDb");
        Objects.requireNonNull(authStrategy, "authStrategy");
        Objects.requireNonNull(options, "options");
    }

    /**
     * Reads a properties file (UTF-8). Stricter than {@link Properties#load(java.io.Reader)}: every line that is
     * not blank or a comment must be {@code key = value} (or {@code key: value}), and every key must be
     * one of {@link ConfigKey}. Errors give the line number and never the line's text, unless it is
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
        boolean keyLike = key.matches("[a-z0-9]+([.-][a-z0-9]+)*") && Arrays.stream(ConfigKey.values())
                .anyMatch(k -> k.key().split("\\.", 2)[0].equals(first));
        return (keyLike ? key + ": unknown key" : "unknown key (not shown: it may be a secret)")
                + " (java -jar mailproxy.jar --help lists the keys)";
    }

    /**
     * Checks properties and turns them into a configuration. A JDBC PassDb's pool is made but does not
     * connect yet; {@link Launcher#start(LauncherConfig)} connects once before binding.
     *
     * @param properties the keys of {@link ConfigKey}
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
        Map<ConfigKey, Listener> listeners = ListenerConfig.parse(v);
        AuthStrategy strategy = AuthConfig.strategy(v);
        AuthCacheSpec cache = AuthConfig.cache(v);
        ServerOptions options = ServerOptions.parse(v);
        // last: the only part that holds resources (a JDBC pool) once made
        return new LauncherConfig(listeners, PassDbConfig.parse(v), strategy, cache, options);
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
            options.applyTo(builder);
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(e.getMessage(), e);  // the builder's messages name the setting
        }
    }

    /** Closes the PassDb if it holds resources (the JDBC pool). */
    @Override
    public void close() {
        if (passDb instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the passdb failed", e);
            }
        }
    }
}
