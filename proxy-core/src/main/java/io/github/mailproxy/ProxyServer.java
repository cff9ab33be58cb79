package io.github.mailproxy;

import io.github.mailproxy.internal.Engine;
import io.github.mailproxy.internal.EngineConfig;
import io.github.mailproxy.internal.LoggingSessionListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

    private final Engine engine;

    private ProxyServer(EngineConfig config) {
        this.engine = new Engine(config);
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds every listener and starts the event loops.
     *
     * @return this server
     * @throws UncheckedIOException if an address cannot be bound (the message names it)
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

    /** @return current counters */
    public ProxyStats stats() {
        return engine.stats();
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
    public java.util.Optional<Throwable> failure() {
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
     * Stops accepting, tells clients still logging in goodbye, closes every session and stops the
     * event loops. Waits up to the shutdown timeout. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Configures a {@link ProxyServer}. Each option may be set once; each checks its argument at
     * once, and {@link #build()} checks the combination.
     */
    public static final class Builder {
        private final List<Listener> listeners = new ArrayList<>();
        private PassDb passDb;
        private AuthStrategy authStrategy;
        private CapabilityFilter capabilityFilter;
        private SessionListener sessionListener;
        private Duration loginTimeout;
        private Duration authFailureDelay;
        private Duration passDbTimeout;
        private Duration idleTimeout;
        private com.github.benmanes.caffeine.cache.Scheduler scheduler;
        private com.github.benmanes.caffeine.cache.Ticker ticker;
        private Duration backendConnectTimeout;
        private Duration shutdownTimeout;
        private int eventLoops = -1;
        private PlaintextAuth plaintextAuth;
        private int maxLineLength = -1;
        private int maxLiteralSize = -1;
        private int maxBadCommands = -1;
        private Boolean backendTrusted;
        private int proxyTtl = -1;
        private AuthCacheSpec authCache;
        private int maxConnections = -1;
        private int maxConnectionsPerIp = -1;
        private int maxLoginsPerIpPerMinute = -1;
        private List<String> tlsProtocols;
        private javax.net.ssl.SSLContext backendSslContext;
        private io.github.mailproxy.internal.NetworkList loginTrustedNetworks;
        private int maxPendingOutput = -1;
        private int passDbThreads = -1;

        private Builder() {
        }

        /**
         * Adds a listening socket; may be called once per listener.
         *
         * @param listener what to listen on, e.g. {@code ImapProtocol.plain(address)}
         * @return this builder
         */
        public Builder listen(Listener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param passDb where users are looked up (required)
         * @return this builder
         */
        public Builder passDb(PassDb passDb) {
            requireUnset(this.passDb, "passDb");
            this.passDb = Objects.requireNonNull(passDb, "passDb");
            return this;
        }

        /**
         * @param authStrategy how logins are decided; default {@link AuthStrategy#passwordForwarding()}
         * @return this builder
         */
        public Builder authStrategy(AuthStrategy authStrategy) {
            requireUnset(this.authStrategy, "authStrategy");
            this.authStrategy = Objects.requireNonNull(authStrategy, "authStrategy");
            return this;
        }

        /**
         * @param capabilityFilter which capabilities clients see; default {@link CapabilityFilter#identity()}
         * @return this builder
         */
        public Builder capabilityFilter(CapabilityFilter capabilityFilter) {
            requireUnset(this.capabilityFilter, "capabilityFilter");
            this.capabilityFilter = Objects.requireNonNull(capabilityFilter, "capabilityFilter");
            return this;
        }

        /**
         * @param backendSslContext trust material for TLS to backends (PassDb fields {@code ssl} and
         *                          {@code starttls}); default the JVM's default context
         * @return this builder
         */
        public Builder backendSslContext(javax.net.ssl.SSLContext backendSslContext) {
            requireUnset(this.backendSslContext, "backendSslContext");
            this.backendSslContext = Objects.requireNonNull(backendSslContext, "backendSslContext");
            return this;
        }

        /**
         * @param maxConnections client connections served at once; more are told to come back later
         *                       and closed; default 100000
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = setPositive(this.maxConnections, maxConnections, "maxConnections");
            return this;
        }

        /**
         * @param maxConnectionsPerIp client connections from one IP address at once (an IPv6 /64 counts
         *                            as one address; clients in {@link #loginTrustedNetworks(String...)}
         *                            are not held to it); default 1000
         * @return this builder
         */
        public Builder maxConnectionsPerIp(int maxConnectionsPerIp) {
            this.maxConnectionsPerIp = setPositive(this.maxConnectionsPerIp, maxConnectionsPerIp, "maxConnectionsPerIp");
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
         */
        public Builder maxLoginsPerIpPerMinute(int maxLoginsPerIpPerMinute) {
            this.maxLoginsPerIpPerMinute = setPositive(this.maxLoginsPerIpPerMinute, maxLoginsPerIpPerMinute,
                    "maxLoginsPerIpPerMinute");
            return this;
        }

        /**
         * @param protocols TLS protocol versions to enable, client side and backend side; default
         *                  {@code TLSv1.3} and {@code TLSv1.2}
         * @return this builder
         */
        public Builder tlsProtocols(String... protocols) {
            requireUnset(this.tlsProtocols, "tlsProtocols");
            if (protocols.length == 0) {
                throw new IllegalArgumentException("tlsProtocols: at least one protocol is needed");
            }
            this.tlsProtocols = List.of(protocols);
            return this;
        }

        /**
         * @param authCache puts a cache in front of the PassDb; default no cache
         * @return this builder
         */
        public Builder authCache(AuthCacheSpec authCache) {
            requireUnset(this.authCache, "authCache");
            this.authCache = Objects.requireNonNull(authCache, "authCache");
            return this;
        }

        /**
         * @param sessionListener receives one event per session; default logs one line per session
         * @return this builder
         */
        public Builder sessionListener(SessionListener sessionListener) {
            requireUnset(this.sessionListener, "sessionListener");
            this.sessionListener = Objects.requireNonNull(sessionListener, "sessionListener");
            return this;
        }

        /**
         * @param loginTimeout how long a client may take from connecting to being logged in; default 60 s
         * @return this builder
         */
        public Builder loginTimeout(Duration loginTimeout) {
            requireUnset(this.loginTimeout, "loginTimeout");
            this.loginTimeout = requirePositive(loginTimeout, "loginTimeout");
            return this;
        }

        /**
         * @param passDbTimeout how long a PassDb lookup may take before the login fails temporarily;
         *                      default 30 s
         * @return this builder
         */
        public Builder passDbTimeout(Duration passDbTimeout) {
            requireUnset(this.passDbTimeout, "passDbTimeout");
            this.passDbTimeout = requirePositive(passDbTimeout, "passDbTimeout");
            return this;
        }

        /**
         * @param idleTimeout how long a client that has not logged in may stay silent; default 30 s
         *                    ({@link #loginTimeout(Duration)} bounds the whole login however busy it is)
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            requireUnset(this.idleTimeout, "idleTimeout");
            this.idleTimeout = requirePositive(idleTimeout, "idleTimeout");
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
         * @param authFailureDelay the delay of a first failure; default 2 s; zero for no delay and no penalty
         * @return this builder
         */
        public Builder authFailureDelay(Duration authFailureDelay) {
            requireUnset(this.authFailureDelay, "authFailureDelay");
            Objects.requireNonNull(authFailureDelay, "authFailureDelay");
            if (authFailureDelay.isNegative()) {
                throw new IllegalArgumentException("authFailureDelay: must not be negative: " + authFailureDelay);
            }
            this.authFailureDelay = authFailureDelay;
            return this;
        }

        /**
         * @param scheduler runs delayed work such as {@link #authFailureDelay(Duration)}; default
         *                  Caffeine's {@code Scheduler.systemScheduler()}. Tests may pass one they control.
         * @return this builder
         */
        public Builder scheduler(com.github.benmanes.caffeine.cache.Scheduler scheduler) {
            requireUnset(this.scheduler, "scheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The clock that expiring per-address state is measured by: the auth penalty (an hour after
         * the last failure) and the login rate of {@link #maxLoginsPerIpPerMinute(int)}. Default
         * Caffeine's {@code Ticker.systemTicker()}; tests may pass one they advance by hand.
         *
         * @param ticker nanosecond time source
         * @return this builder
         */
        public Builder ticker(com.github.benmanes.caffeine.cache.Ticker ticker) {
            requireUnset(this.ticker, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * @param backendConnectTimeout how long connecting to one backend host may take, and then again
         *                              how long its greeting and login may take; default 30 s (Dovecot's
         *                              {@code proxy_timeout} field overrides it per user)
         * @return this builder
         */
        public Builder backendConnectTimeout(Duration backendConnectTimeout) {
            requireUnset(this.backendConnectTimeout, "backendConnectTimeout");
            this.backendConnectTimeout = requirePositive(backendConnectTimeout, "backendConnectTimeout");
            return this;
        }

        /**
         * @param shutdownTimeout how long {@link ProxyServer#close()} waits for goodbyes to be written; default 5 s
         * @return this builder
         */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            requireUnset(this.shutdownTimeout, "shutdownTimeout");
            this.shutdownTimeout = requirePositive(shutdownTimeout, "shutdownTimeout");
            return this;
        }

        /**
         * @param eventLoops number of selector threads; default the number of available processors
         * @return this builder
         */
        public Builder eventLoops(int eventLoops) {
            if (this.eventLoops != -1) {
                throw new IllegalStateException("eventLoops was already set");
            }
            if (eventLoops < 1) {
                throw new IllegalArgumentException("eventLoops: must be at least 1: " + eventLoops);
            }
            this.eventLoops = eventLoops;
            return this;
        }

        /**
         * @param plaintextAuth where plaintext authentication is allowed; default
         *                      {@link PlaintextAuth#TLS_OR_LOOPBACK}
         * @return this builder
         */
        public Builder plaintextAuth(PlaintextAuth plaintextAuth) {
            requireUnset(this.plaintextAuth, "plaintextAuth");
            this.plaintextAuth = Objects.requireNonNull(plaintextAuth, "plaintextAuth");
            return this;
        }

        /**
         * Bounds every pre-login line a client sends (an IMAP command's line, not its literals; a POP3
         * command; a SASL response), as Dovecot's {@code imap_max_line_length}. The default, 65536
         * bytes, is Dovecot's: a client's long {@code ID} (imaptest sends one of 31 KB) or a long SASL
         * response fits; a longer line is refused with the protocol's error, never buffered.
         *
         * @param maxLineLength longest pre-login command line in bytes, without CRLF; default 65536
         * @return this builder
         */
        public Builder maxLineLength(int maxLineLength) {
            this.maxLineLength = setPositive(this.maxLineLength, maxLineLength, "maxLineLength");
            return this;
        }

        /**
         * @param maxLiteralSize largest pre-login IMAP literal in bytes; default 8192
         * @return this builder
         */
        public Builder maxLiteralSize(int maxLiteralSize) {
            this.maxLiteralSize = setPositive(this.maxLiteralSize, maxLiteralSize, "maxLiteralSize");
            return this;
        }

        /**
         * @param maxBadCommands bad commands before a client is disconnected; default 10
         * @return this builder
         */
        public Builder maxBadCommands(int maxBadCommands) {
            this.maxBadCommands = setPositive(this.maxBadCommands, maxBadCommands, "maxBadCommands");
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
         * @param backendTrusted forward the client's address when the backend offers it; default true
         * @return this builder
         */
        public Builder backendTrusted(boolean backendTrusted) {
            requireUnset(this.backendTrusted, "backendTrusted");
            this.backendTrusted = backendTrusted;
            return this;
        }

        /**
         * @param proxyTtl the hop count sent to trusted backends to stop proxy loops; default 5
         * @return this builder
         */
        public Builder proxyTtl(int proxyTtl) {
            this.proxyTtl = setPositive(this.proxyTtl, proxyTtl, "proxyTtl");
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
         * @throws IllegalArgumentException if an entry is not an address or network
         * @throws IllegalStateException if already set
         */
        public Builder loginTrustedNetworks(String... cidrs) {
            requireUnset(this.loginTrustedNetworks, "loginTrustedNetworks");
            try {
                this.loginTrustedNetworks = io.github.mailproxy.internal.NetworkList.parse(List.of(cidrs));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("loginTrustedNetworks: " + e.getMessage(), e);
            }
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
         * @param bytes the bound in bytes; default 16384
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder maxPendingOutput(int bytes) {
            this.maxPendingOutput = setPositive(this.maxPendingOutput, bytes, "maxPendingOutput");
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
            this.passDbThreads = setPositive(this.passDbThreads, threads, "passDbThreads");
            return this;
        }

        /**
         * @return the server, not yet started
         * @throws IllegalStateException if no listener or no PassDb is configured, or two listeners
         *                               share an address
         */
        public ProxyServer build() {
            if (listeners.isEmpty()) {
                throw new IllegalStateException("listen: at least one listener is needed");
            }
            if (passDb == null) {
                throw new IllegalStateException("passDb: a PassDb is needed");
            }
            for (int i = 0; i < listeners.size(); i++) {
                for (int j = i + 1; j < listeners.size(); j++) {
                    var a = listeners.get(i).address();
                    if (a.getPort() != 0 && a.equals(listeners.get(j).address())) {
                        throw new IllegalStateException("listen: two listeners on " + a);
                    }
                }
            }
            EngineConfig config = new EngineConfig(
                    List.copyOf(listeners),
                    passDb,
                    authCache,
                    authStrategy != null ? authStrategy : AuthStrategy.passwordForwarding(),
                    capabilityFilter != null ? capabilityFilter : CapabilityFilter.identity(),
                    sessionListener != null ? sessionListener : new LoggingSessionListener(),
                    loginTimeout != null ? loginTimeout : Duration.ofSeconds(60),
                    backendConnectTimeout != null ? backendConnectTimeout : Duration.ofSeconds(30),
                    shutdownTimeout != null ? shutdownTimeout : Duration.ofSeconds(5),
                    eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors(),
                    plaintextAuth != null ? plaintextAuth : PlaintextAuth.TLS_OR_LOOPBACK,
                    maxLineLength > 0 ? maxLineLength : 65536,
                    maxLiteralSize > 0 ? maxLiteralSize : 8192,
                    maxBadCommands > 0 ? maxBadCommands : 10,
                    backendTrusted == null || backendTrusted,
                    proxyTtl > 0 ? proxyTtl : 5,
                    backendSslContext,
                    authFailureDelay != null ? authFailureDelay : Duration.ofSeconds(2),
                    scheduler != null ? scheduler : com.github.benmanes.caffeine.cache.Scheduler.systemScheduler(),
                    maxConnections > 0 ? maxConnections : 100_000,
                    maxConnectionsPerIp > 0 ? maxConnectionsPerIp : 1000,
                    maxLoginsPerIpPerMinute > 0 ? maxLoginsPerIpPerMinute : 0,
                    tlsProtocols != null ? tlsProtocols : List.of("TLSv1.3", "TLSv1.2"),
                    passDbTimeout != null ? passDbTimeout : Duration.ofSeconds(30),
                    idleTimeout != null ? idleTimeout : Duration.ofSeconds(30),
                    loginTrustedNetworks != null ? loginTrustedNetworks : io.github.mailproxy.internal.NetworkList.empty(),
                    maxPendingOutput > 0 ? maxPendingOutput : 16 * 1024,
                    ticker != null ? ticker : com.github.benmanes.caffeine.cache.Ticker.systemTicker(),
                    passDbThreads > 0 ? passDbThreads : 16);
            return new ProxyServer(config);
        }

        private static void requireUnset(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        private static int setPositive(int current, int value, String name) {
            if (current != -1) {
                throw new IllegalStateException(name + " was already set");
            }
            if (value < 1) {
                throw new IllegalArgumentException(name + ": must be positive: " + value);
            }
            return value;
        }

        private static Duration requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": must be positive: " + d);
            }
            return d;
        }
    }
}
