package io.github.mailproxy;

import io.github.mailproxy.internal.CertificateSet;
import io.github.mailproxy.internal.DiskReader;
import io.github.mailproxy.internal.KeyStoreFile;
import io.github.mailproxy.internal.SniKeyManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's certificates for its TLS listeners: one key per server name that clients ask for
 * (SNI), a default for clients that ask for none or for a name no key is for, and new keys taken
 * from the keystore files when they change, without a restart.
 *
 * <pre>{@code
 * ServerCertificates certificates = ServerCertificates.builder()
 *     .defaultKeyStore(Path.of("/etc/mailproxy/mail.example.com.p12"), password)
 *     .keyStore(Path.of("/etc/mailproxy/example.org.p12"), password)                  // names from its certificates
 *     .keyStore(Path.of("/etc/mailproxy/legacy.p12"), password, "imap.example.net")    // or given here
 *     .build();
 * ProxyServer server = ProxyServer.builder()
 *     .listen(ImapProtocol.implicitTls(new InetSocketAddress(993), certificates.sslContext()))
 *     ...
 *     .build();
 * // on shutdown, after the server
 * certificates.close();
 * }</pre>
 *
 * <p><b>Which key a handshake gets.</b> The client's server name chooses, in this order: keys given
 * that exact name ({@link Builder#keyStore(Path, char[], String...)}), keys whose certificate lists it
 * as a DNS subject alternative name, keys given a wildcard {@code *.example.com} that covers it (one
 * label: {@code imap.example.com}, not {@code a.b.example.com} nor {@code example.com}), then keys
 * whose certificate has such a wildcard. Names compare without regard to case. When a name is
 * chosen but none of its keys is of a type the client accepts (an EC key for a client that only
 * takes RSA), the handshake fails rather than serving a certificate for another name. A client that
 * sends no name or a name nothing covers gets the default keystore's keys; a keystore holding an RSA
 * and an EC key serves each client the type it prefers. The choice is made in the key manager
 * ({@link #keyManager()}), from the handshake session's requested server names, so it works with any
 * TLS provider that follows the {@code X509ExtendedKeyManager} contract (the JDK's and Conscrypt do).
 * Conscrypt takes one key per handshake (it asks for every key type of its cipher suites and keeps the
 * last key it is given), so with Conscrypt give each name one key.
 *
 * <p><b>Reload.</b> Every {@link Builder#reloadInterval(Duration)} (default
 * {@link #DEFAULT_RELOAD_INTERVAL}), on a thread of its own and never on an event loop, each file is
 * read and hashed; a file whose content changed is loaded, and handshakes from then on get its new
 * keys. Sessions already open keep the certificate they were made with (a client that resumes a
 * TLS session also keeps it). A changed file that cannot be used — unreadable, missing, a wrong
 * password, no private key — is logged once (logfmt, never the password) and the keys loaded
 * before stay in use; each file is taken or refused on its own. {@link #reload()} checks at once,
 * for an operator's command or a signal handler. Write a new file elsewhere and rename it into
 * place, so that a check never reads half of it.
 *
 * <p>Instances are thread-safe. {@link #close()} stops the checks; the keys stay usable.
 */
public final class ServerCertificates implements AutoCloseable {

    /** Default of {@link Builder#reloadInterval(Duration)}: the files are checked once a minute. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificates.class);

    private final List<KeyStoreFile> files;
    private final SniKeyManager keyManager;
    private final SSLContext sslContext;
    private final Duration reloadInterval;
    private final Scheduler scheduler;
    private final Executor reader;
    // guarded by this
    private final List<List<CertificateSet.Entry>> inUse = new ArrayList<>();
    private final List<byte[]> inUseHash = new ArrayList<>();
    private final List<String> lastRefusal = new ArrayList<>();
    private long generation;
    private Future<?> nextCheck;
    private boolean closed;

    private ServerCertificates(Builder b) {
        this.files = List.copyOf(b.files);
        this.reloadInterval = b.reloadInterval;
        this.scheduler = b.scheduler;
        List<CertificateSet.Entry> all = new ArrayList<>();
        for (KeyStoreFile file : files) {
            KeyStoreFile.Contents contents;
            try {
                contents = file.load();
            } catch (KeyStoreFile.Unusable e) {
                throw new IllegalArgumentException(b.optionOf(file) + ": " + e.getMessage(), e);
            }
            if (!file.equals(b.files.get(0)) && b.namesOf(file).isEmpty()
                    && contents.entries().stream().allMatch(en -> en.certificateNames().isEmpty())) {
                throw new IllegalArgumentException("keyStore: " + file.path() + ": no server name would choose its keys: "
                        + "their certificates have no DNS subject alternative name; give names");
            }
            inUse.add(contents.entries());
            inUseHash.add(contents.sha256());
            lastRefusal.add(null);
            all.addAll(contents.entries());
        }
        this.keyManager = new SniKeyManager(new CertificateSet(generation, all));
        try {
            this.sslContext = SSLContext.getInstance("TLS");
            sslContext.init(new KeyManager[] {keyManager}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM offers no TLS SSLContext", e);
        }
        this.reader = DiskReader.newExecutor("keystore-reader");
        scheduleCheck();
    }

    /** @return a builder; a default keystore is required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a server-side TLS context of the JVM's default provider whose key is chosen by server
     *         name and follows reloads; give it to the listeners ({@code ImapProtocol.implicitTls(address, context)})
     */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * The key manager behind {@link #sslContext()}, for a context of another provider:
     *
     * <pre>{@code
     * SSLContext conscrypt = SSLContext.getInstance("TLS", "Conscrypt");
     * conscrypt.init(new KeyManager[] {certificates.keyManager()}, null, null);
     * }</pre>
     *
     * @return the key manager; it serves the keys in use at each handshake
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** @return the keystore files, in the order given, the default first */
    public List<Path> files() {
        return files.stream().map(KeyStoreFile::path).toList();
    }

    /**
     * Checks every file now and loads those whose content changed; runs on the caller's thread and
     * reads the disk, so never call it on an event loop. A file that cannot be used is logged, and
     * its keys in use are kept.
     *
     * @return whether new keys are served from now on
     */
    public synchronized boolean reload() {
        boolean changed = false;
        for (int i = 0; i < files.size(); i++) {
            KeyStoreFile file = files.get(i);
            try {
                if (Arrays.equals(file.hash(), inUseHash.get(i))) {
                    lastRefusal.set(i, null);
                    continue;
                }
                KeyStoreFile.Contents contents = file.load();
                inUse.set(i, contents.entries());
                inUseHash.set(i, contents.sha256());
                lastRefusal.set(i, null);
                changed = true;
                LOG.info("msg=\"keystore reloaded\" file={} keys={} sha256={}", Logfmt.value(file.path().toString()),
                        contents.entries().size(), HexFormat.of().formatHex(contents.sha256(), 0, 8));
            } catch (KeyStoreFile.Unusable e) {
                refused(i, file, e.getMessage());
            }
        }
        if (changed) {
            List<CertificateSet.Entry> all = new ArrayList<>();
            inUse.forEach(all::addAll);
            keyManager.replace(new CertificateSet(++generation, all));
        }
        return changed;
    }

    /** Logs a refused file once per distinct reason and content, so a bad file does not log every minute. */
    private void refused(int i, KeyStoreFile file, String why) {
        String seen = why;
        try {
            seen = why + HexFormat.of().formatHex(file.hash());
        } catch (KeyStoreFile.Unusable unreadable) {
            // the reason already says that it cannot be read
        }
        if (!seen.equals(lastRefusal.get(i))) {
            LOG.warn("msg=\"keystore not reloaded; the keys in use are kept\" file={} reason={}",
                    Logfmt.value(file.path().toString()), Logfmt.value(why));
        }
        lastRefusal.set(i, seen);
    }

    private synchronized void scheduleCheck() {
        if (closed || reloadInterval.isZero()) {
            return;
        }
        nextCheck = scheduler.schedule(reader, this::check, reloadInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void check() {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            reload();
        } catch (RuntimeException e) {
            LOG.error("msg=\"keystore check failed\" error={}", Logfmt.value(e.getClass().getName()));
        } finally {
            scheduleCheck();
        }
    }

    /** Stops the checks of the files; the keys in use stay in use. */
    @Override
    public synchronized void close() {
        closed = true;
        if (nextCheck != null) {
            nextCheck.cancel(false);
        }
    }

    /** The files, never a password or key material. */
    @Override
    public String toString() {
        return "ServerCertificates" + files;
    }

    /**
     * Builds {@link ServerCertificates}. Each option checks its argument at once; the files are read
     * by {@link #build()}.
     */
    public static final class Builder {

        private static final Pattern NAME = Pattern.compile("(\\*\\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
                + "(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");

        private final List<KeyStoreFile> files = new ArrayList<>();
        private final List<List<String>> names = new ArrayList<>();
        private final Set<String> setOnce = new HashSet<>();
        private boolean hasDefault;
        private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;
        private Scheduler scheduler = Scheduler.systemScheduler();

        private Builder() {
        }

        /**
         * The keystore whose keys serve clients that send no server name or one that no key is for;
         * its keys are also chosen by the names of their certificates, as {@link #keyStore(Path, char[], String...)}.
         *
         * @param file     a PKCS12 or JKS keystore
         * @param password the password of the store and of its keys; copied
         * @return this builder
         * @throws IllegalStateException if a default keystore was already given
         */
        public Builder defaultKeyStore(Path file, char[] password) {
            if (hasDefault) {
                throw new IllegalStateException("defaultKeyStore was already set");
            }
            add(file, password, List.of(), true);
            hasDefault = true;
            return this;
        }

        /**
         * A keystore whose keys serve clients that ask for the DNS names of their certificates (subject
         * alternative names, wildcards included) or for one of {@code serverNames}.
         *
         * @param file        a PKCS12 or JKS keystore
         * @param password    the password of the store and of its keys; copied
         * @param serverNames more names its keys serve: host names, or {@code *.example.com} for any one
         *                    label in front of {@code example.com}; compared without regard to case
         * @return this builder
         * @throws IllegalArgumentException if a name is not a host name or such a wildcard
         */
        public Builder keyStore(Path file, char[] password, String... serverNames) {
            List<String> given = new ArrayList<>();
            for (String name : Objects.requireNonNull(serverNames, "serverNames")) {
                String lower = Objects.requireNonNull(name, "serverNames").toLowerCase(Locale.ROOT);
                if (!NAME.matcher(lower).matches()) {
                    throw new IllegalArgumentException("keyStore: not a host name or *.domain wildcard: '"
                            + name.replaceAll("\\p{Cntrl}", "?") + "'");
                }
                given.add(lower);
            }
            add(file, password, given, false);
            return this;
        }

        private void add(Path file, char[] password, List<String> serverNames, boolean isDefault) {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(password, "password");
            KeyStoreFile keyStore = new KeyStoreFile(file, password, serverNames, isDefault);
            if (isDefault) {
                files.add(0, keyStore);
                names.add(0, serverNames);
            } else {
                files.add(keyStore);
                names.add(serverNames);
            }
        }

        /**
         * @param interval how often the files are checked for a new content; {@link Duration#ZERO}
         *                 never (then only {@link ServerCertificates#reload()} loads); default
         *                 {@link #DEFAULT_RELOAD_INTERVAL}
         * @return this builder
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException    if set twice
         */
        public Builder reloadInterval(Duration interval) {
            once("reloadInterval");
            if (Objects.requireNonNull(interval, "reloadInterval").isNegative()) {
                throw new IllegalArgumentException("reloadInterval: must not be negative: " + interval);
            }
            this.reloadInterval = interval;
            return this;
        }

        /**
         * @param scheduler runs the periodic checks (it hands them to a reader thread of their own);
         *                  default {@link Scheduler#systemScheduler()}. Tests may pass one they control.
         * @return this builder
         * @throws IllegalStateException if set twice
         */
        public Builder scheduler(Scheduler scheduler) {
            once("scheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        private void once(String option) {
            if (!setOnce.add(option)) {
                throw new IllegalStateException(option + " was already set");
            }
        }

        private String optionOf(KeyStoreFile file) {
            return files.indexOf(file) == 0 && hasDefault ? "defaultKeyStore" : "keyStore";
        }

        private List<String> namesOf(KeyStoreFile file) {
            return names.get(files.indexOf(file));
        }

        /**
         * Reads the keystores and starts the periodic checks.
         *
         * @return the certificates
         * @throws IllegalStateException    if no default keystore was given
         * @throws IllegalArgumentException naming the option and file, if a keystore cannot be read, is
         *                                  no keystore, has another password, holds no private key, or
         *                                  (not the default) holds keys that no server name would choose
         */
        public ServerCertificates build() {
            if (!hasDefault) {
                throw new IllegalStateException("defaultKeyStore: required (the keys for clients that send no "
                        + "server name)");
            }
            return new ServerCertificates(this);
        }
    }
}
