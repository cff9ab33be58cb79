package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.Listener;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import io.github.mailproxy.ServerCertificates;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Reads the listener keys ({@code imap.*}, {@code pop3.*}) and the TLS keys ({@code tls.*}). */
final class ListenerConfig {

    private ListenerConfig() {
    }

    /** What makes a listener of one protocol in each TLS mode. */
    private interface Factory {
        Listener make(InetSocketAddress address, String tls, SSLContext context);
    }

    /**
     * The listeners and, when one uses TLS, the certificates they serve.
     *
     * @param byKey        the listeners by the key that configured them, in the table's order
     * @param certificates the keystores, or {@code null} without TLS; whoever holds this closes them
     */
    record Listeners(Map<ConfigKey<?>, Listener> byKey, ServerCertificates certificates) {
    }

    /**
     * @return the listeners and their certificates, whose reload checks have started
     * @throws ConfigException naming the key at fault
     */
    static Listeners parse(ConfigValues v) {
        String imapTls = tlsMode(v, ConfigKey.IMAP_LISTEN, ConfigKey.IMAP_TLS);
        String pop3Tls = tlsMode(v, ConfigKey.POP3_LISTEN, ConfigKey.POP3_TLS);
        for (ConfigKey<Boolean> haproxy : List.of(ConfigKey.IMAP_HAPROXY, ConfigKey.POP3_HAPROXY)) {
            ConfigKey<InetSocketAddress> listen = haproxy == ConfigKey.IMAP_HAPROXY ? ConfigKey.IMAP_LISTEN
                    : ConfigKey.POP3_LISTEN;
            if (v.has(haproxy) && !v.has(listen)) {
                throw new ConfigException(haproxy.key() + ": set, but " + listen.key() + " is not");
            }
        }
        boolean tlsUsed = !imapTls.equals("plain") || !pop3Tls.equals("plain");
        if (!tlsUsed) {
            v.onlyWith("imap.tls or pop3.tls = starttls or implicit", ConfigKey.TLS_KEYSTORE,
                    ConfigKey.TLS_KEYSTORE_PASSWORD, ConfigKey.TLS_SNI_KEYSTORES, ConfigKey.TLS_RELOAD_INTERVAL);
        }
        ServerCertificates certificates = tlsUsed
                ? certificates(v, imapTls.equals("plain") ? ConfigKey.POP3_TLS : ConfigKey.IMAP_TLS) : null;
        try {
            return new Listeners(listeners(v, imapTls, pop3Tls, certificates == null ? null : sslContext(v, certificates)),
                    certificates);
        } catch (RuntimeException e) {
            if (certificates != null) {
                certificates.close();
            }
            throw e;
        }
    }

    /** The certificates' key manager in a context of the {@code tls.provider} (the JDK's when absent). */
    private static SSLContext sslContext(ConfigValues v, ServerCertificates certificates) {
        java.security.Provider provider = v.get(ConfigKey.TLS_PROVIDER);
        if (provider == null) {
            return certificates.sslContext();
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS", provider);
            context.init(new javax.net.ssl.KeyManager[] {certificates.keyManager()}, null, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new ConfigException(ConfigKey.TLS_PROVIDER.key() + ": " + provider.getName() + " has no TLS: "
                    + e.getMessage(), e);
        }
    }

    private static Map<ConfigKey<?>, Listener> listeners(ConfigValues v, String imapTls, String pop3Tls,
                                                          SSLContext context) {
        Map<ConfigKey<?>, Listener> listeners = new LinkedHashMap<>();
        listener(v, ConfigKey.IMAP_LISTEN, imapTls, context, (a, tls, c) -> switch (tls) {
            case "starttls" -> ImapProtocol.starttls(a, c);
            case "implicit" -> ImapProtocol.implicitTls(a, c);
            default -> ImapProtocol.plain(a);
        }, listeners);
        listener(v, ConfigKey.POP3_LISTEN, pop3Tls, context, (a, tls, c) -> switch (tls) {
            case "starttls" -> Pop3Protocol.starttls(a, c);
            case "implicit" -> Pop3Protocol.implicitTls(a, c);
            default -> Pop3Protocol.plain(a);
        }, listeners);
        if (listeners.isEmpty()) {
            throw new ConfigException(ConfigKey.IMAP_LISTEN.key() + ", " + ConfigKey.POP3_LISTEN.key()
                    + ": no listener configured; set at least one");
        }
        return listeners;
    }

    private static String tlsMode(ConfigValues v, ConfigKey<InetSocketAddress> listen, ConfigKey<String> tls) {
        String mode = v.get(tls);
        if (mode != null && !v.has(listen)) {
            throw new ConfigException(tls.key() + ": set, but " + listen.key() + " is not");
        }
        return mode == null ? "plain" : mode;
    }

    private static void listener(ConfigValues v, ConfigKey<InetSocketAddress> key, String tls, SSLContext context,
                                 Factory factory, Map<ConfigKey<?>, Listener> listeners) {
        InetSocketAddress address = v.get(key);
        if (address == null) {
            return;
        }
        listeners.forEach((other, listener) -> {
            if (address.getPort() != 0 && listener.address().equals(address)) {
                throw new ConfigException(key.key() + ": " + v.values().get(key.key()) + " is already used by "
                        + other.key());
            }
        });
        Listener listener = factory.make(address, tls, context);
        ConfigKey<Boolean> haproxy = key == ConfigKey.IMAP_LISTEN ? ConfigKey.IMAP_HAPROXY : ConfigKey.POP3_HAPROXY;
        listeners.put(key, Boolean.TRUE.equals(v.get(haproxy)) ? listener.withHaproxy() : listener);
    }

    /**
     * Loads {@code tls.keystore} and {@code tls.sni.keystores} (PKCS12 or JKS, told by the content) and
     * starts their reload checks.
     */
    private static ServerCertificates certificates(ConfigValues v, ConfigKey<String> needing) {
        Path file = v.get(ConfigKey.TLS_KEYSTORE);
        if (file == null) {
            throw new ConfigException(needing.key() + " = " + v.get(needing)
                    + " needs tls.keystore (a PKCS12 file with the server's key and certificate)");
        }
        String pw = v.get(ConfigKey.TLS_KEYSTORE_PASSWORD);
        char[] password = pw == null ? new char[0] : pw.toCharArray();
        List<Path> more = v.get(ConfigKey.TLS_SNI_KEYSTORES);
        Duration interval = v.get(ConfigKey.TLS_RELOAD_INTERVAL);
        ServerCertificates.Builder builder = ServerCertificates.builder().defaultKeyStore(file, password);
        (more == null ? List.<Path>of() : more).forEach(f -> builder.keyStore(f, password));
        if (interval != null) {
            builder.reloadInterval(interval);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // "defaultKeyStore: FILE: why" or "keyStore: FILE: why", as the launcher's keys say it
            String message = e.getMessage();
            String why = message.substring(message.indexOf(": ") + 2);
            ConfigKey<?> key = message.startsWith("defaultKeyStore") ? ConfigKey.TLS_KEYSTORE : ConfigKey.TLS_SNI_KEYSTORES;
            if (why.endsWith(": wrong password") || why.endsWith(": wrong password for a key")) {
                throw new ConfigException(ConfigKey.TLS_KEYSTORE_PASSWORD.key() + ": wrong password for "
                        + why.substring(0, why.lastIndexOf(": wrong password")), e);
            }
            throw new ConfigException(key.key() + ": " + why, e);
        }
    }
}
