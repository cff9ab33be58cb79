package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.Listener;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
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
     * @return the listeners by the key that configured them, in the table's order
     * @throws ConfigException naming the key at fault
     */
    static Map<ConfigKey<?>, Listener> parse(ConfigValues v) {
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
        SSLContext context = tlsUsed ? sslContext(v, imapTls.equals("plain") ? ConfigKey.POP3_TLS : ConfigKey.IMAP_TLS)
                : null;
        if (!tlsUsed) {
            v.onlyWith("imap.tls or pop3.tls = starttls or implicit", ConfigKey.TLS_KEYSTORE,
                    ConfigKey.TLS_KEYSTORE_PASSWORD);
        }
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

    /** Loads {@code tls.keystore}; its type (PKCS12 or JKS) is found from the file itself. */
    private static SSLContext sslContext(ConfigValues v, ConfigKey<String> needing) {
        Path file = v.get(ConfigKey.TLS_KEYSTORE);
        if (file == null) {
            throw new ConfigException(needing.key() + " = " + v.get(needing)
                    + " needs tls.keystore (a PKCS12 file with the server's key and certificate)");
        }
        String pw = v.get(ConfigKey.TLS_KEYSTORE_PASSWORD);
        char[] password = pw == null ? new char[0] : pw.toCharArray();
        try {
            KeyStore store = KeyStore.getInstance(file.toFile(), password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new ConfigException(ConfigKey.TLS_KEYSTORE_PASSWORD.key() + ": wrong password for " + file, e);
            }
            throw new ConfigException(ConfigKey.TLS_KEYSTORE.key() + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (UnrecoverableKeyException e) {
            throw new ConfigException(ConfigKey.TLS_KEYSTORE_PASSWORD.key() + ": wrong password for the key in "
                    + file, e);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(ConfigKey.TLS_KEYSTORE.key() + ": not a usable keystore: " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
