package io.github.mailproxy;

import io.github.mailproxy.internal.Engine;
import io.github.mailproxy.internal.EngineConfig;
import io.github.mailproxy.internal.LoggingSessionListener;
import io.github.mailproxy.internal.NetworkList;
import io.github.mailproxy.internal.TlsCheck;
import io.github.mailproxy.internal.TlsProviders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * An IMAP/POP3 proxy: accepts clients on its {@link Listener}s, asks the {@link PassDb} where each
 * user's mailbox lives, logs in there and relays bytes both ways.
 *
 * <pre>{@code
 * try (ProxyServer server = ProxyServer.builder()
 *         .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
 *         .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=10143 nopassword=y"))
 *         .build()) {
 *     server.start();
 *     int port = server.port("imap");
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops accepting, says goodbye to clients still logging in, and
 * closes relayed sessions.
 */
public final class ProxyServer implements AutoCloseable {

    private final Builder settings;
    private final EngineConfig config;
    private final Engine engine;

    private ProxyServer(Builder settings, EngineConfig config) {
        this.settings = settings;
        this.config = config;
        this.engine = new Engine(config);
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder with every option of this server, for a server that differs in a few: each option
     * may be set once more on it, replacing the copied value, and {@link Builder#listen(Listener)}
     * adds to the copied listeners. The PassDb, strategies, listeners and contexts are shared, not
     * copied.
     *
     * <pre>{@code
     * ProxyServer strict = server.toBuilder().plaintextAuth(PlaintextAuth.TLS_ONLY).build();
     * }</pre>
     *
     * @return a new builder holding this server's options
     */
    public Builder toBuilder() {
        return new Builder(settings);
    }

    /**
     * Binds every listener and starts the event loops.
     *
     * @return this server
     * @throws ListenerBindException if a listener's address cannot be bound (in use, not of this
     *                               host, a privileged port); nothing stays bound, and start may be
     *                               called again
     * @throws UncheckedIOException  if the operating system refuses a socket or selector otherwise
     * @throws IllegalStateException if already started or closed
     */
    public ProxyServer start() {
        try {
            engine.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return this;
    }

    /**
     * The bound port of the first listener of a protocol; useful when it was configured as 0.
     *
     * @param protocol the protocol name, such as {@code imap} or {@code pop3}
     * @return the port
     * @throws IllegalStateException if not started
     * @throws IllegalArgumentException if no listener speaks that protocol
     */
    public int port(String protocol) {
        return engine.port(protocol);
    }

    /**
     * The bound port of any listener, such as the second IMAP listener of a server with two.
     *
     * @param listener a listener given to {@link Builder#listen(Listener)}
     * @return the port it is bound to
     * @throws IllegalStateException    if not started
     * @throws IllegalArgumentException if it is not one of this server's listeners
     */
    public int port(Listener listener) {
        return address(listener).getPort();
    }

    /**
     * The bound address of any listener: its configured address with the port the operating system
     * gave when it was 0.
     *
     * @param listener a listener given to {@link Builder#listen(Listener)}
     * @return the address it is bound to
     * @throws IllegalStateException    if not started
     * @throws IllegalArgumentException if it is not one of this server's listeners
     */
    public InetSocketAddress address(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<Listener> listeners = config.listeners();
        int index = -1;
        for (int i = 0; i < listeners.size() && index < 0; i++) {
            if (listeners.get(i) == listener) {
                index = i;
            }
        }
        // an equal listener (same protocol, address, TLS mode and context) stands for the same one
        index = index >= 0 ? index : listeners.indexOf(listener);
        if (index < 0) {
            throw new IllegalArgumentException("not a listener of this server: " + listener.protocol().name() + " on "
                    + listener.address());
        }
        return engine.boundAddress(index);
    }

    /** @return current counters */
    public ProxyStats stats() {
        return engine.stats();
    }

    /**
     * The live sessions, as {@code doveadm proxy list} shows Dovecot's. Callable from any thread; each
     * entry is a consistent snapshot of one session, and the list is what a walk over the sessions saw
     * (one opening or closing meanwhile may be missed). Costs one small object per session.
     *
     * @return a snapshot of every live session, in no particular order; empty before start and after close
     */
    public List<SessionInfo> sessions() {
        return engine.sessions();
    }

    /**
     * Ends every session of a user, as {@code doveadm proxy kick}. Each session is ended on its own
     * event loop, soon after this returns, and is reported with outcome {@link SessionEvent.Outcome#KICKED}.
     * A client still logging in gets the protocol's goodbye with the reason (IMAP {@code * BYE reason},
     * POP3 {@code -ERR reason}); a relayed IMAP client gets {@code * BYE reason} when the proxy knows the
     * stream to it is between two responses, and otherwise (and a relayed POP3 client always) is
     * disconnected without a word, since anything else could corrupt a response in flight.
     *
     * @param user   the user name as the client logged in with ({@link SessionInfo#user()}), exactly
     * @param reason told to the clients; control characters are replaced
     * @return how many sessions were kicked
     */
    public int kickUser(String user, String reason) {
        Objects.requireNonNull(user, "user");
        return engine.kick(s -> user.equals(s.user()), Objects.requireNonNull(reason, "reason"));
    }

    /**
     * Ends every session on a backend, as {@link #kickUser} does.
     *
     * @param host   the backend host as the PassDb named it ({@link SessionInfo#backendHost()}, case
     *               ignored), or the backend's IP address as text
     * @param reason told to the clients; control characters are replaced
     * @return how many sessions were kicked
     */
    public int kickBackend(String host, String reason) {
        Objects.requireNonNull(host, "host");
        return engine.kick(s -> host.equalsIgnoreCase(s.backendHost())
                || s.backendAddress() != null && s.backendAddress().getAddress() != null
                && s.backendAddress().getAddress().getHostAddress().equals(host), Objects.requireNonNull(reason, "reason"));
    }

    /**
     * Ends one session, as {@link #kickUser} does.
     *
     * @param sessionId the session's id ({@link SessionInfo#id()}, {@link SessionEvent#sessionId()})
     * @param reason    told to the client; control characters are replaced
     * @return whether the session was live and is kicked
     */
    public boolean kickSession(String sessionId, String reason) {
        return engine.kick(Objects.requireNonNull(sessionId, "sessionId"), Objects.requireNonNull(reason, "reason"));
    }

    /**
     * @return whether {@link #close()} has begun (or the server failed and is stopping): from then on
     *         a load balancer should send no new clients, the readiness a health check reports
     */
    public boolean isShuttingDown() {
        return engine.isShuttingDown();
    }

    /**
     * The error that stopped this server, if one did. An {@link Error} on an event loop (an
     * {@code OutOfMemoryError}, a {@code StackOverflowError} in a PassDb or listener called there)
     * leaves that loop's sessions in an unknown state, so the server fails fast: it logs the error
     * once at ERROR, stops accepting (new clients are refused by the operating system), closes every
     * session and stops its loops, as {@link #close()} would. An application that runs the server
     * as its main job should then exit so that its supervisor restarts it:
     *
     * <pre>{@code
     * server.start();
     * server.awaitTermination(Duration.ofDays(365_000));   // until close() or a failure
     * System.exit(server.failure().isPresent() ? 70 : 0);
     * }</pre>
     *
     * @return the error, or empty while the server runs or after a normal {@link #close()}
     */
    public Optional<Throwable> failure() {
        return engine.failure();
    }

    /**
     * Waits until this server is closed: by {@link #close()}, or on its own after a {@link #failure()}.
     *
     * @param timeout how long to wait at most
     * @return whether it is closed
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return engine.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Stops accepting, tells clients still logging in goodbye, lets relayed sessions run until the
     * shutdown timeout, then closes every session (logged with outcome {@code SHUTDOWN}) and stops
     * the event loops. Waits up to the shutdown timeout. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Configures a {@link ProxyServer}, as Caffeine's builder does: each option may be set once,
     * checks its argument at once, and {@link #build()} checks the rules that involve several. An
     * option left unset takes its {@code DEFAULT_} value below.
     *
     * <p>Not thread-safe; a builder may build several servers.
     */
    public static final class Builder {

        /** Default of {@link #loginTimeout(Duration)}: 60 s. */
        public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(60);
        /** Default of {@link #idleTimeout(Duration)}: 30 s, or the login timeout when that is shorter. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
        /** Default of {@link #passDbTimeout(Duration)}: 30 s, or the login timeout when that is shorter. */
        public static final Duration DEFAULT_PASSDB_TIMEOUT = Duration.ofSeconds(30);
        /** Default of {@link #backendConnectTimeout(Duration)}: 30 s, or the login timeout when that is shorter. */
        public static final Duration DEFAULT_BACKEND_CONNECT_TIMEOUT = Duration.ofSeconds(30);
        /** Default of {@link #shutdownTimeout(Duration)}: 5 s. */
        public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
        /** Default of {@link #authFailureDelay(Duration)}: 2 s, Dovecot's {@code auth_failure_delay}. */
        public static final Duration DEFAULT_AUTH_FAILURE_DELAY = Duration.ofSeconds(2);
        /** Default of {@link #maxConnections(int)}: 100,000. */
        public static final int DEFAULT_MAX_CONNECTIONS = 100_000;
        /** Default of {@link #maxConnectionsPerIp(int)}: 1000. */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 1000;
        /** Default of {@link #maxLineLength(int)}: 65536 bytes, Dovecot's {@code imap_max_line_length}. */
        public static final int DEFAULT_MAX_LINE_LENGTH = 65_536;
        /** Default of {@link #maxLiteralSize(int)}: 8192 bytes. */
        public static final int DEFAULT_MAX_LITERAL_SIZE = 8192;
        /** Default of {@link #maxBadCommands(int)}: 10. */
        public static final int DEFAULT_MAX_BAD_COMMANDS = 10;
        /** Default of {@link #proxyTtl(int)}: 5, as Dovecot's login proxy starts with. */
        public static final int DEFAULT_PROXY_TTL = 5;
        /** Default of {@link #passDbThreads(int)}: 16. */
        public static final int DEFAULT_PASSDB_THREADS = 16;
        /** Default of {@link #maxPendingOutput(int)}: 16 KiB. */
        public static final int DEFAULT_MAX_PENDING_OUTPUT = 16 * 1024;
        /** Default of {@link #tlsProtocols(String...)}: TLS 1.3 and 1.2. */
        public static final List<String> DEFAULT_TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
        /** Default of {@link #plaintextAuth(PlaintextAuth)}: over TLS or from loopback only. */
        public static final PlaintextAuth DEFAULT_PLAINTEXT_AUTH = PlaintextAuth.TLS_OR_LOOPBACK;
        /** Default of {@link #backendTrusted(boolean)}: the client's address is forwarded. */
        public static final boolean DEFAULT_BACKEND_TRUSTED = true;
        /** Default of {@link #haproxyTimeout(Duration)}: 3 s, Dovecot's {@code haproxy_timeout}. */
        public static final Duration DEFAULT_HAPROXY_TIMEOUT = Duration.ofSeconds(3);
        /** Default of {@link #backendHaproxy(boolean)}: no PROXY header to backends. */
        public static final boolean DEFAULT_BACKEND_HAPROXY = false;
        /** {@link #maxLoginsPerIpPerMinute(int)} unset: no cap. */
        private static final int NO_LOGIN_RATE_CAP = 0;

        // Every option holds its default until set; build() reads them as they are.
        private final List<Listener> listeners;
        private PassDb passDb;
        private AuthStrategy authStrategy = AuthStrategy.passwordForwarding();
        private CapabilityFilter capabilityFilter = CapabilityFilter.identity();
        private SessionListener sessionListener = new LoggingSessionListener();
        private final List<SessionListener> moreSessionListeners;
        private AuthCacheSpec authCache;  // none
        private Duration loginTimeout = DEFAULT_LOGIN_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration passDbTimeout = DEFAULT_PASSDB_TIMEOUT;
        private Duration backendConnectTimeout = DEFAULT_BACKEND_CONNECT_TIMEOUT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Duration authFailureDelay = DEFAULT_AUTH_FAILURE_DELAY;
        private Scheduler scheduler = Scheduler.systemScheduler();
        private Ticker ticker = Ticker.systemTicker();
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private PlaintextAuth plaintextAuth = DEFAULT_PLAINTEXT_AUTH;
        private int maxLineLength = DEFAULT_MAX_LINE_LENGTH;
        private int maxLiteralSize = DEFAULT_MAX_LITERAL_SIZE;
        private int maxBadCommands = DEFAULT_MAX_BAD_COMMANDS;
        private boolean backendTrusted = DEFAULT_BACKEND_TRUSTED;
        private int proxyTtl = DEFAULT_PROXY_TTL;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
        private int maxLoginsPerIpPerMinute = NO_LOGIN_RATE_CAP;
        private List<String> tlsProtocols = DEFAULT_TLS_PROTOCOLS;
        private SSLContext backendSslContext;  // the TLS provider's default
        private Provider tlsProvider;  // the JVM's default
        private NetworkList loginTrustedNetworks = NetworkList.empty();
        private int maxPendingOutput = DEFAULT_MAX_PENDING_OUTPUT;
        private int passDbThreads = DEFAULT_PASSDB_THREADS;
        private final Map<String, LocalSessionHandler> localHandlers;
        private NetworkList proxySelf = NetworkList.empty();
        private NetworkList haproxyTrustedNetworks = NetworkList.empty();
        private Duration haproxyTimeout = DEFAULT_HAPROXY_TIMEOUT;
        private boolean backendHaproxy = DEFAULT_BACKEND_HAPROXY;
        /** Options given a value, here or on the server this builder copies: derived defaults skip them. */
        private final Set<String> given;
        /** Options set on this builder, each at most once. */
        private final Set<String> setHere = new HashSet<>();

        private Builder() {
            listeners = new ArrayList<>();
            moreSessionListeners = new ArrayList<>();
            localHandlers = new LinkedHashMap<>();
            given = new LinkedHashSet<>();
        }

        /** Copies every option of another builder; none counts as set on this one. */
        private Builder(Builder from) {
            listeners = new ArrayList<>(from.listeners);
            passDb = from.passDb;
            authStrategy = from.authStrategy;
            capabilityFilter = from.capabilityFilter;
            sessionListener = from.sessionListener;
            moreSessionListeners = new ArrayList<>(from.moreSessionListeners);
            authCache = from.authCache;
            loginTimeout = from.loginTimeout;
            idleTimeout = from.idleTimeout;
            passDbTimeout = from.passDbTimeout;
            backendConnectTimeout = from.backendConnectTimeout;
            shutdownTimeout = from.shutdownTimeout;
            authFailureDelay = from.authFailureDelay;
            scheduler = from.scheduler;
            ticker = from.ticker;
            eventLoops = from.eventLoops;
            plaintextAuth = from.plaintextAuth;
            maxLineLength = from.maxLineLength;
            maxLiteralSize = from.maxLiteralSize;
            maxBadCommands = from.maxBadCommands;
            backendTrusted = from.backendTrusted;
            proxyTtl = from.proxyTtl;
            maxConnections = from.maxConnections;
            maxConnectionsPerIp = from.maxConnectionsPerIp;
            maxLoginsPerIpPerMinute = from.maxLoginsPerIpPerMinute;
            tlsProtocols = from.tlsProtocols;
            backendSslContext = from.backendSslContext;
            tlsProvider = from.tlsProvider;
            loginTrustedNetworks = from.loginTrustedNetworks;
            maxPendingOutput = from.maxPendingOutput;
            passDbThreads = from.passDbThreads;
            localHandlers = new LinkedHashMap<>(from.localHandlers);
            proxySelf = from.proxySelf;
            haproxyTrustedNetworks = from.haproxyTrustedNetworks;
            haproxyTimeout = from.haproxyTimeout;
            backendHaproxy = from.backendHaproxy;
            given = new LinkedHashSet<>(from.given);
        }

        /**
         * Adds a listening socket; may be called once per listener.
         *
         * @param listener what to listen on, e.g. {@code ImapProtocol.plain(address)}
         * @return this builder
         * @throws NullPointerException  if {@code listener} is null
         * @throws IllegalStateException if this very listener was already added
         */
        public Builder listen(Listener listener) {
            Objects.requireNonNull(listener, "listener");
            for (Listener l : listeners) {
                if (l == listener) {
                    throw new IllegalStateException("listen: this listener was already added: "
                            + listener.protocol().name() + " on " + listener.address());
                }
            }
            listeners.add(listener);
            return this;
        }

        /**
         * @param passDb where users are looked up (required)
         * @return this builder
         * @throws NullPointerException  if {@code passDb} is null
         * @throws IllegalStateException if already set
         */
        public Builder passDb(PassDb passDb) {
            this.passDb = set("passDb", passDb);
            return this;
        }

        /**
         * @param authStrategy how logins are decided; default {@link AuthStrategy#passwordForwarding()}
         * @return this builder
         * @throws NullPointerException  if {@code authStrategy} is null
         * @throws IllegalStateException if already set
         */
        public Builder authStrategy(AuthStrategy authStrategy) {
            this.authStrategy = set("authStrategy", authStrategy);
            return this;
        }

        /**
         * @param capabilityFilter which capabilities clients see; default {@link CapabilityFilter#identity()}
         * @return this builder
         * @throws NullPointerException  if {@code capabilityFilter} is null
         * @throws IllegalStateException if already set
         */
        public Builder capabilityFilter(CapabilityFilter capabilityFilter) {
            this.capabilityFilter = set("capabilityFilter", capabilityFilter);
            return this;
        }

        /**
         * @param backendSslContext trust material for TLS to backends (PassDb fields {@code ssl} and
         *                          {@code starttls}); default a context of the {@link #tlsProvider(Provider)}
         *                          that trusts the JVM's CA certificates (without a provider, the
         *                          JVM's default context)
         * @return this builder
         * @throws NullPointerException  if {@code backendSslContext} is null
         * @throws IllegalStateException if already set
         */
        public Builder backendSslContext(SSLContext backendSslContext) {
            this.backendSslContext = set("backendSslContext", backendSslContext);
            return this;
        }

        /**
         * The TLS implementation of the contexts the server makes itself: towards backends, unless
         * {@link #backendSslContext(SSLContext)} gives one, and for {@code ssl=any-cert}. Any provider
         * whose {@link javax.net.ssl.SSLEngine} keeps the engine's contract works, such as the JDK's
         * ({@code SunJSSE}) or Conscrypt (BoringSSL). A listener uses the {@link SSLContext} it was
         * given: make it from the same provider; {@link #build()} refuses a TLS listener whose context
         * comes from another one.
         *
         * <pre>{@code
         * Provider conscrypt = Conscrypt.newProvider();   // org.conscrypt:conscrypt-openjdk-uber
         * SSLContext server = SSLContext.getInstance("TLS", conscrypt);
         * server.init(keyManagers, null, null);
         * ProxyServer.builder().tlsProvider(conscrypt).listen(ImapProtocol.implicitTls(address, server))...
         * }</pre>
         *
         * @param provider the provider; default the JVM's default TLS provider
         * @return this builder
         * @throws NullPointerException     if {@code provider} is null
         * @throws IllegalArgumentException if it has no {@code SSLContext} for {@code TLS}
         * @throws IllegalStateException    if already set
         */
        public Builder tlsProvider(Provider provider) {
            requireUnset("tlsProvider");
            Objects.requireNonNull(provider, "tlsProvider");
            if (!TlsProviders.offersTls(provider)) {
                throw new IllegalArgumentException("tlsProvider: " + provider.getName() + " offers no TLS (SSLContext.TLS)");
            }
            this.tlsProvider = set("tlsProvider", provider);
            return this;
        }

        /**
         * {@link #tlsProvider(Provider)} by name: an installed security provider (such as
         * {@code SunJSSE}), or {@code Conscrypt}, which needs only its jar
         * ({@code org.conscrypt:conscrypt-openjdk-uber}) on the class path, not installing; core does
         * not depend on it.
         *
         * @param name the provider's name, case-insensitive
         * @return this builder
         * @throws NullPointerException     if {@code name} is null
         * @throws IllegalArgumentException if no such provider is found, or it offers no TLS
         * @throws IllegalStateException    if already set
         */
        public Builder tlsProvider(String name) {
            requireUnset("tlsProvider");
            return tlsProvider(TlsProviders.byName(Objects.requireNonNull(name, "tlsProvider")));
        }

        /**
         * @param maxConnections client connections served at once; more are told to come back later
         *                       and closed; default {@value #DEFAULT_MAX_CONNECTIONS}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = setPositive("maxConnections", maxConnections);
            return this;
        }

        /**
         * @param maxConnectionsPerIp client connections from one IP address at once (an IPv6 /64 counts
         *                            as one address; clients in {@link #loginTrustedNetworks(String...)}
         *                            are not held to it); default {@value #DEFAULT_MAX_CONNECTIONS_PER_IP}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxConnectionsPerIp(int maxConnectionsPerIp) {
            this.maxConnectionsPerIp = setPositive("maxConnectionsPerIp", maxConnectionsPerIp);
            return this;
        }

        /**
         * An opt-in cap on login attempts per minute from one client address (an IPv6 /64 counts as
         * one); over it the client is told to try later ({@code [UNAVAILABLE]}, {@code [SYS/TEMP]})
         * without the PassDb being asked. Default: no cap. Successful logins count too, so a cap
         * throttles webmail servers and large NATs that log in often; repeated wrong passwords are
         * already slowed by the auth penalty (see {@link #authFailureDelay(Duration)}), and clients in
         * {@link #loginTrustedNetworks(String...)} are never counted.
         *
         * @param maxLoginsPerIpPerMinute login attempts from one address per minute
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxLoginsPerIpPerMinute(int maxLoginsPerIpPerMinute) {
            this.maxLoginsPerIpPerMinute = setPositive("maxLoginsPerIpPerMinute", maxLoginsPerIpPerMinute);
            return this;
        }

        /**
         * TLS versions to enable towards clients and towards backends. {@link #build()} checks that
         * this JVM, and every listener's {@link SSLContext}, supports each of them.
         *
         * @param protocols TLS protocol versions, such as {@code TLSv1.3}; default {@link #DEFAULT_TLS_PROTOCOLS}
         * @return this builder
         * @throws NullPointerException     if {@code protocols} or one of them is null
         * @throws IllegalArgumentException if none is given, or one is blank
         * @throws IllegalStateException    if already set
         */
        public Builder tlsProtocols(String... protocols) {
            requireUnset("tlsProtocols");
            List<String> list = List.of(Objects.requireNonNull(protocols, "tlsProtocols"));  // refuses null elements
            if (list.isEmpty()) {
                throw new IllegalArgumentException("tlsProtocols: at least one protocol is needed");
            }
            if (list.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("tlsProtocols: a protocol name is blank: " + list);
            }
            this.tlsProtocols = set("tlsProtocols", list);
            return this;
        }

        /**
         * @param authCache puts a cache in front of the PassDb; default no cache
         * @return this builder
         * @throws NullPointerException  if {@code authCache} is null
         * @throws IllegalStateException if already set
         */
        public Builder authCache(AuthCacheSpec authCache) {
            this.authCache = set("authCache", authCache);
            return this;
        }

        /**
         * @param sessionListener receives one event per session; default logs one line per session
         * @return this builder
         * @throws NullPointerException  if {@code sessionListener} is null
         * @throws IllegalStateException if already set
         */
        public Builder sessionListener(SessionListener sessionListener) {
            this.sessionListener = set("sessionListener", sessionListener);
            return this;
        }

        /**
         * Adds a session listener beside the {@link #sessionListener(SessionListener) main one} (which
         * by default logs one line per session): metrics, an audit trail. May be called any number of
         * times; listeners hear each event in the order added, after the main one.
         *
         * @param listener another listener
         * @return this builder
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder addSessionListener(SessionListener listener) {
            moreSessionListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * How long a client may take from connecting to being logged in, backend login included,
         * however busy it is; then it is told goodbye and closed (outcome {@code TIMEOUT}). The idle,
         * PassDb and backend timeouts run inside it: see {@link #build()}.
         *
         * @param loginTimeout the bound; default {@link #DEFAULT_LOGIN_TIMEOUT}
         * @return this builder
         * @throws NullPointerException     if {@code loginTimeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder loginTimeout(Duration loginTimeout) {
            this.loginTimeout = setPositive("loginTimeout", loginTimeout);
            return this;
        }

        /**
         * @param passDbTimeout how long a PassDb lookup may take before the login fails temporarily
         *                      (the client may try again); default {@link #DEFAULT_PASSDB_TIMEOUT}, or
         *                      the login timeout when that is shorter
         * @return this builder
         * @throws NullPointerException     if {@code passDbTimeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder passDbTimeout(Duration passDbTimeout) {
            this.passDbTimeout = setPositive("passDbTimeout", passDbTimeout);
            return this;
        }

        /**
         * @param idleTimeout how long a client that has not logged in may stay silent; default
         *                    {@link #DEFAULT_IDLE_TIMEOUT}, or the login timeout when that is shorter
         *                    ({@link #loginTimeout(Duration)} bounds the whole login however busy it is)
         * @return this builder
         * @throws NullPointerException     if {@code idleTimeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = setPositive("idleTimeout", idleTimeout);
            return this;
        }

        /**
         * How long the reply to a failed login is held back, as Dovecot's {@code auth_failure_delay},
         * raised per client address by Dovecot's auth penalty: each further failure from the address
         * (an IPv6 /64 counts as one) doubles it, up to 15 s (2, 4, 8, 15 s with the default), except
         * that failing again with the same user and password does not raise it. The penalty is
         * forgotten an hour after the address's last failure and cleared by a successful login from
         * it; clients in {@link #loginTrustedNetworks(String...)} get the plain delay.
         *
         * @param authFailureDelay the delay of a first failure; default {@link #DEFAULT_AUTH_FAILURE_DELAY};
         *                         zero for no delay and no penalty
         * @return this builder
         * @throws NullPointerException     if {@code authFailureDelay} is null
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException    if already set
         */
        public Builder authFailureDelay(Duration authFailureDelay) {
            requireUnset("authFailureDelay");
            Objects.requireNonNull(authFailureDelay, "authFailureDelay");
            if (authFailureDelay.isNegative()) {
                throw new IllegalArgumentException("authFailureDelay: must not be negative: " + authFailureDelay);
            }
            this.authFailureDelay = set("authFailureDelay", authFailureDelay);
            return this;
        }

        /**
         * @param scheduler runs delayed work such as {@link #authFailureDelay(Duration)}; default
         *                  {@link Scheduler#systemScheduler()}. Tests may pass one they control.
         * @return this builder
         * @throws NullPointerException  if {@code scheduler} is null
         * @throws IllegalStateException if already set
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = set("scheduler", scheduler);
            return this;
        }

        /**
         * The clock that expiring per-address state is measured by: the auth penalty (an hour after
         * the last failure) and the login rate of {@link #maxLoginsPerIpPerMinute(int)}. Tests may
         * pass one they advance by hand.
         *
         * @param ticker nanosecond time source; default {@link Ticker#systemTicker()}
         * @return this builder
         * @throws NullPointerException  if {@code ticker} is null
         * @throws IllegalStateException if already set
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = set("ticker", ticker);
            return this;
        }

        /**
         * @param backendConnectTimeout how long connecting to one backend host may take, and then again
         *                              how long its greeting and login may take; default
         *                              {@link #DEFAULT_BACKEND_CONNECT_TIMEOUT}, or the login timeout
         *                              when that is shorter (Dovecot's {@code proxy_timeout} field
         *                              overrides it per user)
         * @return this builder
         * @throws NullPointerException     if {@code backendConnectTimeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder backendConnectTimeout(Duration backendConnectTimeout) {
            this.backendConnectTimeout = setPositive("backendConnectTimeout", backendConnectTimeout);
            return this;
        }

        /**
         * @param shutdownTimeout how long {@link ProxyServer#close()} lets relayed sessions run and
         *                        waits for goodbyes to be written; default {@link #DEFAULT_SHUTDOWN_TIMEOUT}
         * @return this builder
         * @throws NullPointerException     if {@code shutdownTimeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = setPositive("shutdownTimeout", shutdownTimeout);
            return this;
        }

        /**
         * @param eventLoops number of selector threads; default the number of available processors
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         * @throws IllegalStateException    if already set
         */
        public Builder eventLoops(int eventLoops) {
            requireUnset("eventLoops");
            if (eventLoops < 1) {
                throw new IllegalArgumentException("eventLoops: must be at least 1: " + eventLoops);
            }
            this.eventLoops = set("eventLoops", eventLoops);
            return this;
        }

        /**
         * @param plaintextAuth where plaintext authentication is allowed; default
         *                      {@link PlaintextAuth#TLS_OR_LOOPBACK}
         * @return this builder
         * @throws NullPointerException  if {@code plaintextAuth} is null
         * @throws IllegalStateException if already set
         */
        public Builder plaintextAuth(PlaintextAuth plaintextAuth) {
            this.plaintextAuth = set("plaintextAuth", plaintextAuth);
            return this;
        }

        /**
         * Bounds every pre-login line a client sends (an IMAP command's line, not its literals; a POP3
         * command; a SASL response), as Dovecot's {@code imap_max_line_length}. The default, 65536
         * bytes, is Dovecot's: a client's long {@code ID} (imaptest sends one of 31 KB) or a long SASL
         * response fits; a longer line is refused with the protocol's error, never buffered.
         *
         * @param maxLineLength longest pre-login command line in bytes, without CRLF; default
         *                      {@value #DEFAULT_MAX_LINE_LENGTH}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxLineLength(int maxLineLength) {
            this.maxLineLength = setPositive("maxLineLength", maxLineLength);
            return this;
        }

        /**
         * @param maxLiteralSize largest pre-login IMAP literal in bytes; default {@value #DEFAULT_MAX_LITERAL_SIZE}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxLiteralSize(int maxLiteralSize) {
            this.maxLiteralSize = setPositive("maxLiteralSize", maxLiteralSize);
            return this;
        }

        /**
         * @param maxBadCommands bad commands before a client is disconnected; default {@value #DEFAULT_MAX_BAD_COMMANDS}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxBadCommands(int maxBadCommands) {
            this.maxBadCommands = setPositive("maxBadCommands", maxBadCommands);
            return this;
        }

        /**
         * Whether to forward the client's address when the backend offers it, as Dovecot's proxy
         * does: IMAP {@code ID} with {@code x-originating-ip}, {@code x-originating-port},
         * {@code x-connected-ip}, {@code x-connected-port}, {@code x-session-ext-id} and
         * {@code x-proxy-ttl} when the backend advertises {@code ID}; POP3 {@code XCLIENT} when the
         * backend offers it (in CAPA, or Dovecot's {@code +OK [XCLIENT]} greeting). The backend then
         * logs, limits and penalises the real client instead of the proxy. A PassDb turns it off for
         * one user with the field {@code proxy_not_trusted} (Dovecot's name).
         *
         * @param backendTrusted forward the client's address when the backend offers it; default
         *                       {@value #DEFAULT_BACKEND_TRUSTED}
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder backendTrusted(boolean backendTrusted) {
            this.backendTrusted = set("backendTrusted", backendTrusted);
            return this;
        }

        /**
         * @param proxyTtl the hop count sent to trusted backends to stop proxy loops; default
         *                 {@value #DEFAULT_PROXY_TTL}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder proxyTtl(int proxyTtl) {
            this.proxyTtl = setPositive("proxyTtl", proxyTtl);
            return this;
        }

        /**
         * Clients from these networks are trusted, as with Dovecot's {@code login_trusted_networks}:
         * they skip auth penalties and per-address limits, and may name the client they speak for
         * (IMAP {@code ID x-originating-ip}, POP3 {@code XCLIENT ADDR}), which the proxy then uses in
         * logs and PassDb variables and forwards to the backend. Default none.
         *
         * @param cidrs networks such as {@code 10.0.0.0/8}, {@code 192.168.1.5} or {@code 2001:db8::/48}
         * @return this builder
         * @throws NullPointerException     if {@code cidrs} or an entry is null
         * @throws IllegalArgumentException if an entry is not an address or network
         * @throws IllegalStateException    if already set
         */
        public Builder loginTrustedNetworks(String... cidrs) {
            this.loginTrustedNetworks = setNetworks("loginTrustedNetworks", cidrs);
            return this;
        }

        /**
         * The load balancers allowed to speak HAProxy's PROXY protocol to the listeners made with
         * {@link Listener#withHaproxy()}, as Dovecot's {@code haproxy_trusted_networks}. A connection
         * to such a listener from any other address is closed at once, without a greeting, and
         * counted in the refusal summary as {@code haproxy-untrusted}. Default none: then
         * {@link #build()} refuses a PROXY protocol listener.
         *
         * @param cidrs networks such as {@code 10.0.0.0/8}, {@code 192.168.1.5} or {@code 2001:db8::/48}
         * @return this builder
         * @throws NullPointerException     if {@code cidrs} or an entry is null
         * @throws IllegalArgumentException if an entry is not an address or network
         * @throws IllegalStateException    if already set
         */
        public Builder haproxyTrustedNetworks(String... cidrs) {
            this.haproxyTrustedNetworks = setNetworks("haproxyTrustedNetworks", cidrs);
            return this;
        }

        /**
         * How long a connection to a PROXY protocol listener may take to send its whole header, as
         * Dovecot's {@code haproxy_timeout}; one that is late, or sends a malformed, truncated or
         * oversized header, is closed without a greeting and counted in the refusal summary as
         * {@code haproxy-bad-header}. The specification asks for at least 3 s, to cover a TCP
         * retransmission.
         *
         * @param timeout how long to wait for the header; default 3 s ({@link #DEFAULT_HAPROXY_TIMEOUT})
         * @return this builder
         * @throws NullPointerException     if {@code timeout} is null
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder haproxyTimeout(Duration timeout) {
            this.haproxyTimeout = setPositive("haproxyTimeout", timeout);
            return this;
        }

        /**
         * Whether to start every backend connection with a PROXY protocol version 2 header carrying
         * the client's address and port, the address it connected to, and (when the client uses TLS)
         * an SSL TLV, for backends that listen with Dovecot's {@code haproxy = yes}. The header is the
         * first thing sent, before any TLS to the backend; the IMAP {@code ID} and POP3 {@code XCLIENT}
         * address forwarding of {@link #backendTrusted(boolean)} is then not sent. A PassDb chooses per
         * user with the field {@code haproxy} ({@code yes} or {@code no}), which overrides this.
         *
         * @param backendHaproxy send the header to backends; default {@value #DEFAULT_BACKEND_HAPROXY}
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder backendHaproxy(boolean backendHaproxy) {
            this.backendHaproxy = set("backendHaproxy", backendHaproxy);
            return this;
        }

        /**
         * Bounds what the proxy itself has written to a client and not yet sent, before login and
         * during TLS handshakes: over it, the client's input is not read until the client has read
         * enough replies. A client that pipelines commands by the megabyte and never reads thus
         * holds this much output, its input buffer and a TLS record at most. After login the relay
         * applies backpressure of its own. Dovecot's login processes use a 4 KiB output buffer
         * (and disconnect when it is full); the default of 16 KiB holds the pipelined burst of any
         * real client plus a whole TLS record, while 10,000 clients logging in hold 160 MB at most.
         *
         * @param bytes the bound in bytes; default {@value #DEFAULT_MAX_PENDING_OUTPUT}
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException    if already set
         */
        public Builder maxPendingOutput(int bytes) {
            this.maxPendingOutput = setPositive("maxPendingOutput", bytes);
            return this;
        }

        /**
         * The threads that run lookups of a PassDb that may block, so that no lookup runs on an event
         * loop, as Dovecot's auth worker processes do for its blocking passdbs (their number is
         * Dovecot's {@code auth_worker_max_count}). A PassDb that declares {@link PassDb#nonBlocking()},
         * as the shipped ones do, is called on the loops and needs none, as a Dovecot passdb with
         * {@code args = blocking=no}. The threads start on demand and end after a
         * minute idle; up to 64 lookups per thread wait for one, and a lookup beyond that fails at
         * once as a temporary failure (the client is told to try later) and is counted in the
         * refusal summary as {@code passdb-busy}.
         *
         * @param threads the most lookups that run at once; default 16
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder passDbThreads(int threads) {
            this.passDbThreads = setPositive("passDbThreads", threads);
            return this;
        }

        /**
         * Serves the users of one protocol that the auth strategy keeps here ({@link AuthDecision.Local},
         * such as {@code proxy_maybe} to this server) in the application: the proxy answers the login and
         * hands the logged-in session to the handler (see {@link LocalSessionHandler}; for servers on
         * blocking streams, {@link LocalStreams}). Without a handler, such a login fails temporarily.
         *
         * <pre>{@code
         * builder.localHandler("imap", LocalStreams.handler(List.of("IMAP4rev1"), executor, myImapServer));
         * }</pre>
         *
         * @param protocol the protocol's name, {@code imap} or {@code pop3}; a listener of it is needed
         * @param handler  serves its local sessions
         * @return this builder
         * @throws NullPointerException  if an argument is null
         * @throws IllegalStateException if the protocol already has a handler
         */
        public Builder localHandler(String protocol, LocalSessionHandler handler) {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(handler, "handler");
            if (localHandlers.putIfAbsent(protocol, handler) != null) {
                throw new IllegalStateException("localHandler: already set for " + protocol);
            }
            return this;
        }

        /**
         * This server's other addresses, for {@code proxy_maybe} (Dovecot's {@code auth_proxy_self}): a
         * user whose {@code host} (an address literal) is one of these, on any port, or one of this
         * server's listening addresses, on a listener's port or no port, is served here by the
         * {@link #localHandler local handler} instead of proxied. Needed when clients reach the server
         * through an address it does not listen on (NAT, a load balancer, a virtual IP). Host names are
         * not resolved for this test; one that leads back here is refused on connecting, as a proxy loop.
         *
         * @param addresses addresses or networks such as {@code 10.0.0.5} or {@code 2001:db8::/64}
         * @return this builder
         * @throws NullPointerException     if {@code addresses} or an entry is null
         * @throws IllegalArgumentException if an entry is not an address or network
         * @throws IllegalStateException    if already set
         */
        public Builder proxySelf(String... addresses) {
            requireUnset("proxySelf");
            NetworkList self;
            try {
                self = NetworkList.parse(List.of(addresses));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("proxySelf: " + e.getMessage(), e);
            }
            this.proxySelf = set("proxySelf", self);
            return this;
        }

        /**
         * Checks the options together and builds a server, not yet started. The rules, each with
         * its message naming the options at fault:
         * <ul>
         *   <li>at least one listener, and a PassDb;</li>
         *   <li>no two listeners on one address (port 0 excepted);</li>
         *   <li>every protocol with a {@link #localHandler local handler} has a listener;</li>
         *   <li>a PROXY protocol listener ({@link Listener#withHaproxy()}) needs
         *       {@link #haproxyTrustedNetworks(String...)};</li>
         *   <li>every TLS protocol of {@link #tlsProtocols(String...)} is supported by this JVM (by the
         *       {@link #tlsProvider(Provider)} when one is set);</li>
         *   <li>with a {@link #tlsProvider(Provider)}, every TLS listener's {@link SSLContext} comes from it;</li>
         *   <li>every TLS listener's {@link SSLContext} holds a server key and certificate and speaks
         *       one of the TLS protocols: a TLS handshake with it, in memory, must succeed (a context
         *       without a key would otherwise fail every client's handshake, with nothing logged);</li>
         *   <li>the idle, PassDb and backend-connect timeouts run inside the login timeout, so each
         *       one set longer than {@link #loginTimeout(Duration)} would never fire; it is an error.
         *       Left unset, each defaults to the shorter of its default and the login timeout;</li>
         *   <li>an {@link #authFailureDelay(Duration)} set to the login timeout or longer would cut
         *       every failed login before its reply; it is an error.</li>
         * </ul>
         *
         * @return the server, not yet started
         * @throws IllegalStateException if a rule above is broken
         */
        public ProxyServer build() {
            if (listeners.isEmpty()) {
                throw new IllegalStateException("listen: at least one listener is needed");
            }
            if (passDb == null) {
                throw new IllegalStateException("passDb: a PassDb is needed");
            }
            checkDistinctAddresses();
            for (String protocol : localHandlers.keySet()) {
                if (listeners.stream().noneMatch(l -> l.protocol().name().equals(protocol))) {
                    throw new IllegalStateException("localHandler: no listener for protocol " + protocol);
                }
            }
            checkHaproxy();
            checkTimeouts();
            checkTls();
            return new ProxyServer(new Builder(this), engineConfig());
        }

        /** The one place where options become the engine's configuration. */
        private EngineConfig engineConfig() {
            Duration idle = withinLogin("idleTimeout", idleTimeout);
            Duration passDbWait = withinLogin("passDbTimeout", passDbTimeout);
            Duration backendWait = withinLogin("backendConnectTimeout", backendConnectTimeout);
            return new EngineConfig(
                    List.copyOf(listeners),
                    passDb,
                    authCache,
                    authStrategy,
                    capabilityFilter,
                    io.github.mailproxy.internal.SessionListeners.of(sessionListener, moreSessionListeners),
                    loginTimeout,
                    backendWait,
                    shutdownTimeout,
                    eventLoops,
                    plaintextAuth,
                    maxLineLength,
                    maxLiteralSize,
                    maxBadCommands,
                    backendTrusted,
                    proxyTtl,
                    backendSslContext,
                    authFailureDelay,
                    scheduler,
                    maxConnections,
                    maxConnectionsPerIp,
                    maxLoginsPerIpPerMinute,
                    tlsProtocols,
                    passDbWait,
                    idle,
                    loginTrustedNetworks,
                    maxPendingOutput,
                    ticker,
                    passDbThreads,
                    Map.copyOf(localHandlers),
                    proxySelf,
                    tlsProvider,
                    haproxyTrustedNetworks,
                    haproxyTimeout,
                    backendHaproxy);
        }

        /** @return a timeout that runs inside the login timeout: as given, or its default capped by it */
        private Duration withinLogin(String option, Duration value) {
            return given.contains(option) || value.compareTo(loginTimeout) <= 0 ? value : loginTimeout;
        }

        private void checkDistinctAddresses() {
            for (int i = 0; i < listeners.size(); i++) {
                for (int j = i + 1; j < listeners.size(); j++) {
                    InetSocketAddress a = listeners.get(i).address();
                    if (a.getPort() != 0 && a.equals(listeners.get(j).address())) {
                        throw new IllegalStateException("listen: two listeners on " + a);
                    }
                }
            }
        }

        private void checkHaproxy() {
            for (Listener listener : listeners) {
                if (listener.haproxy() && haproxyTrustedNetworks.isEmpty()) {
                    throw new IllegalStateException("haproxyTrustedNetworks: the " + listener.protocol().name()
                            + " listener on " + listener.address() + " expects a PROXY protocol header, but no "
                            + "load balancer is trusted to send one; name their addresses");
                }
            }
        }

        private void checkTimeouts() {
            for (String option : List.of("idleTimeout", "passDbTimeout", "backendConnectTimeout")) {
                Duration value = switch (option) {
                    case "idleTimeout" -> idleTimeout;
                    case "passDbTimeout" -> passDbTimeout;
                    default -> backendConnectTimeout;
                };
                if (given.contains(option) && value.compareTo(loginTimeout) > 0) {
                    throw new IllegalStateException(option + ": " + value + " is longer than loginTimeout ("
                            + loginTimeout + "), which closes the session first; set it to loginTimeout or less");
                }
            }
            if (given.contains("authFailureDelay") && authFailureDelay.compareTo(loginTimeout) >= 0) {
                throw new IllegalStateException("authFailureDelay: " + authFailureDelay + " is not shorter than "
                        + "loginTimeout (" + loginTimeout + "), which would close every failed login before its reply");
            }
        }

        private void checkTls() {
            SSLContext jvm;
            try {
                jvm = tlsProvider == null ? SSLContext.getDefault() : TlsProviders.clientContext(tlsProvider, null);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("tlsProtocols: this JVM has no default TLS context", e);
            }
            String by = tlsProvider == null ? "this JVM" : tlsProvider.getName();
            List<String> supported = List.of(jvm.getSupportedSSLParameters().getProtocols());
            for (String protocol : tlsProtocols) {
                if (!supported.contains(protocol)) {
                    throw new IllegalStateException("tlsProtocols: " + protocol + " is not supported by " + by
                            + " (supported: " + String.join(", ", supported) + ")");
                }
            }
            for (Listener listener : listeners) {
                if (listener.tlsMode() == TlsMode.PLAIN) {
                    continue;
                }
                String which = listener.protocol().name() + " listener on " + listener.address();
                String from = listener.sslContext().getProvider().getName();
                if (tlsProvider != null && !from.equals(tlsProvider.getName())) {
                    throw new IllegalStateException("tlsProvider: the SSLContext of the " + which + " comes from "
                            + from + ", not " + tlsProvider.getName() + "; make it with SSLContext.getInstance(\"TLS\", "
                            + "provider)");
                }
                Optional<String> failure = TlsCheck.handshakeFailure(listener.sslContext(), tlsProtocols);
                if (failure.isEmpty()) {
                    continue;
                }
                if (TlsCheck.handshakeFailure(listener.sslContext(), null).isPresent()) {
                    throw new IllegalStateException("listen: the SSLContext of the " + which + " cannot complete a "
                            + "TLS handshake (" + failure.get() + "); does it hold the server's key and certificate?");
                }
                throw new IllegalStateException("tlsProtocols: the SSLContext of the " + which + " cannot handshake with "
                        + String.join(", ", tlsProtocols) + " (" + failure.get() + ")");
            }
        }

        private void requireUnset(String option) {
            if (setHere.contains(option)) {
                throw new IllegalStateException(option + " was already set");
            }
        }

        /** Records an option as set, once, after its argument passed its checks. */
        private <T> T set(String option, T value) {
            requireUnset(option);
            Objects.requireNonNull(value, option);
            setHere.add(option);
            given.add(option);
            return value;
        }

        private NetworkList setNetworks(String option, String... cidrs) {
            requireUnset(option);
            NetworkList networks;
            try {
                networks = NetworkList.parse(List.of(cidrs));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
            }
            return set(option, networks);
        }

        private int setPositive(String option, int value) {
            requireUnset(option);
            if (value < 1) {
                throw new IllegalArgumentException(option + ": must be positive: " + value);
            }
            return set(option, value);
        }

        private Duration setPositive(String option, Duration value) {
            requireUnset(option);
            Objects.requireNonNull(value, option);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + ": must be positive: " + value);
            }
            return set(option, value);
        }
    }
}
