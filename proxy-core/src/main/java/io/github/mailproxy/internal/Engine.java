package io.github.mailproxy.internal;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyStats;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.spi.SessionSettings;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: N event loops, each accepting on every listening socket and keeping the
 * sessions it accepted, and the counters. {@link io.github.mailproxy.ProxyServer} is its public face.
 *
 * <p>An {@link Error} on a loop fails the whole server fast ({@link #failure()}): a loop in an
 * unknown state serving nobody is worse than a process a supervisor restarts.
 */
public final class Engine {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final int ACCEPTS_PER_EVENT = 16;
    private static final int MAX_IDLE_BUFFERS_PER_LOOP = 256;

    private final EngineConfig config;
    private final SessionSettings sessionSettings;
    private final PassDb passDb;
    private final AuthCache authCache;
    /** Runs lookups of a PassDb that may block; null when it declares itself non-blocking. */
    private final java.util.concurrent.ThreadPoolExecutor passDbExecutor;
    private LoopWatchdog watchdog;
    private final AtomicInteger openSessions = new AtomicInteger();
    /** Connections accepted and not yet closed, counted from accept on (sessions are counted once opened). */
    private final AtomicLong totalSessions = new AtomicLong();
    private final AtomicInteger buffersInUse = new AtomicInteger();
    private final AtomicInteger buffersPooled = new AtomicInteger();
    private final AtomicInteger openBackends = new AtomicInteger();
    private final AtomicLong queuedReplyBytes = new AtomicLong();
    private final RefusalLog refusals = new RefusalLog();
    /** When the refusal summary was last written (or the engine built); read by close() for the last one. */
    private volatile long lastRefusalSummaryNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);
    private final SecureRandom random = new SecureRandom();
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<Integer> boundPorts = new ArrayList<>();
    private final Admission admission;
    private final AuthPenalty authPenalty;
    private final AuthService authService;
    private BackendConnector.Network backendNetwork;
    private final OwnListeners ownListeners;
    private String[] tlsProtocols;
    private EventLoop[] loops;
    private List<Set<Session>> sessions;
    private final SessionRegistry<Session> registry = new SessionRegistry<>();
    private final SessionCounters counters = new SessionCounters();
    private final io.github.mailproxy.SessionListener listeners;
    private ExecutorService resolver;
    private SSLContext backendSslContext;
    private SSLContext anyCertSslContext;
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * @param config the checked configuration
     */
    public Engine(EngineConfig config) {
        this.config = config;
        this.sessionSettings = config.sessionSettings();
        this.listeners = config.sessionListener();
        // No thread starts before the first lookup, so an engine never started holds none.
        this.passDbExecutor = config.passDb().nonBlocking() ? null : OffLoopPassDb.newExecutor(config.passDbThreads());
        PassDb offLoop = passDbExecutor == null ? config.passDb()
                : new OffLoopPassDb(config.passDb(), passDbExecutor, this::currentLoop,
                        request -> refused(request.protocol(), RefusalCause.PASSDB_BUSY));
        // the cache in front, so that a hit is answered on the loop without a hand-over
        this.authCache = config.authCache() == null ? null : new AuthCache(config.authCache(), offLoop);
        this.passDb = authCache != null ? authCache : offLoop;
        com.github.benmanes.caffeine.cache.Ticker ticker = config.ticker()::read;
        this.admission = new Admission(config, ticker);
        this.ownListeners = new OwnListeners(config.listeners(), boundPorts);
        this.authPenalty = new AuthPenalty(config.authFailureDelay(), ticker);
        LocalRouting strategy = new LocalRouting(config.authStrategy(), ownListeners, config.proxySelf(), () -> started);
        this.authService = new AuthService(passDb, strategy, config.passDbTimeout(),
                config.authFailureDelay(), authPenalty, this::loginAllowed, this::refused,
                (loop, task, delay) -> config.scheduler().schedule(loop, task, delay.toNanos(), TimeUnit.NANOSECONDS),
                config.ticker());
    }

    /**
     * Binds the listeners and starts the loops.
     *
     * @throws io.github.mailproxy.ListenerBindException naming the listener whose address cannot be bound
     * @throws IOException if a socket or selector cannot be opened
     */
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "the server is closed" : "the server is already started");
        }
        int bufferSize = bufferSize();
        tlsProtocols = config.tlsProtocols().toArray(String[]::new);  // the builder checked them
        loops = new EventLoop[config.eventLoops()];
        sessions = new ArrayList<>();
        try {
            for (int i = 0; i < loops.length; i++) {
                BufferPool pool = new BufferPool(bufferSize, MAX_IDLE_BUFFERS_PER_LOOP, buffersInUse, buffersPooled);
                int index = i;
                loops[i] = new EventLoop("mailproxy-loop-" + i, pool, t -> loopFailed(index, t));
                sessions.add(new HashSet<>());
            }
            for (Listener listener : config.listeners()) {
                ServerSocketChannel server = ServerSocketChannel.open();
                servers.add(server);
                try {
                    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    server.bind(listener.address(), 1024);
                } catch (IOException e) {
                    throw new io.github.mailproxy.ListenerBindException(listener, e);
                }
                server.configureBlocking(false);
                boundPorts.add(server.socket().getLocalPort());
                // Every loop accepts for itself, so a new session never crosses threads.
                for (int i = 0; i < loops.length; i++) {
                    EventLoop loop = loops[i];
                    int index = i;
                    AcceptBackoff backoff = new AcceptBackoff(
                            Text.address((java.net.InetSocketAddress) server.getLocalAddress()), loop.name());
                    loop.register(server, SelectionKey.OP_ACCEPT,
                            key -> accept(key, server, listener, loop, index, backoff));
                }
            }
        } catch (IOException | RuntimeException e) {
            releaseAfterFailedStart(e);
            throw e;
        }
        resolver = new ThreadPoolExecutor(1, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "mailproxy-resolver");
            t.setDaemon(true);
            return t;
        });
        for (EventLoop loop : loops) {
            loop.start();
        }
        watchdog = new LoopWatchdog(List.of(loops), LoopWatchdog.DEFAULT_THRESHOLD, "mailproxy-watchdog");
        watchdog.start();
        loops[0].execute(this::scheduleRefusalSummary);
        started = true;
    }

    /** Closes what a failed {@link #start()} opened, so that it may be called again. */
    private void releaseAfterFailedStart(Exception e) {
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException x) {
                e.addSuppressed(x);
            }
        }
        servers.clear();
        boundPorts.clear();
        for (EventLoop loop : loops) {
            if (loop != null) {
                loop.closeUnstarted();
            }
        }
        loops = null;
        sessions = null;
    }

    /** @return the loop of the calling thread, or null if it is not one of this engine's loops */
    private EventLoop currentLoop() {
        EventLoop[] all = loops;
        if (all != null) {
            for (EventLoop loop : all) {
                if (loop != null && loop.inLoop()) {
                    return loop;
                }
            }
        }
        return null;
    }

    /** Runs on loop 0 every interval: a timer, not a thread, writes the refusal summary. */
    private void scheduleRefusalSummary() {
        if (closed) {
            return;
        }
        loops[0].schedule(RefusalLog.INTERVAL_NANOS, () -> {
            refusals.flush();
            lastRefusalSummaryNanos = System.nanoTime();
            scheduleRefusalSummary();
        });
    }

    /** Restricts an engine to the configured TLS versions. */
    void restrictProtocols(SSLEngine engine) {
        engine.setEnabledProtocols(tlsProtocols);
    }

    /** @return whether a login from this address is within the opt-in per-minute cap */
    boolean loginAllowed(java.net.InetAddress address) {
        return admission.loginAllowed(address);
    }

    /** @return the failed-login penalties by client address */
    AuthPenalty authPenalty() {
        return authPenalty;
    }

    /**
     * Whether connecting to an address would reach one of this server's own listeners: a proxy loop.
     * A listener on a wildcard address matches any address of this host (loopback included).
     *
     * @param address a resolved backend address
     * @return whether it is one of the bound listening addresses
     */
    boolean isOwnListener(java.net.InetSocketAddress address) {
        return started && ownListeners.contains(address);
    }

    /**
     * @return the size of pooled buffers: room for a TLS record and its plaintext, of the backends'
     *         context and every listener's alike
     */
    private int bufferSize() {
        List<SSLContext> contexts = new ArrayList<>();
        contexts.add(backendSslContext(false));
        config.listeners().stream().map(Listener::sslContext).filter(java.util.Objects::nonNull).forEach(contexts::add);
        int size = 32 * 1024;
        for (SSLContext context : contexts) {
            SSLEngine probe = context.createSSLEngine();
            size = Math.max(size, probe.getSession().getPacketBufferSize() + probe.getSession().getApplicationBufferSize());
        }
        return size;
    }

    private void accept(SelectionKey key, ServerSocketChannel server, Listener listener, EventLoop loop, int index,
                        AcceptBackoff backoff) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (server.isOpen() && !closed) {
                    refused(listener.protocol().name(), RefusalCause.ACCEPT_FAILED);
                    pauseAccepting(key, loop, backoff.failed(e, System.nanoTime()));
                }
                return;
            }
            if (channel == null) {
                return;
            }
            if (backoff.troubled()) {
                backoff.succeeded(System.nanoTime());
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                LOG.debug("accepted connection unusable: {}", e.toString());
                closeQuietly(channel);
                continue;
            }
            if (listener.haproxy() && !config.haproxyTrustedNetworks().contains(remoteIp(channel))) {
                // a forged PROXY header would name any client it likes: not a byte is read from it
                refused(listener.protocol().name(), RefusalCause.HAPROXY_UNTRUSTED);
                closeQuietly(channel);
                continue;
            }
            // behind a load balancer the per-address count waits for the client its header names
            openSession(loop, index, listener, channel, admission.admit(listener.haproxy() ? null : remoteIp(channel)));
        }
    }

    /** Stops accepting on one listener of one loop for a while; the loop goes on serving its sessions. */
    private static void pauseAccepting(SelectionKey key, EventLoop loop, long pauseNanos) {
        key.interestOps(0);
        loop.schedule(pauseNanos, () -> {
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
    }

    /**
     * Counts a session accepted behind a load balancer under the client address its PROXY header names.
     *
     * @param ip the client's address
     * @return whether it is within the per-address limit
     */
    boolean admitAddress(java.net.InetAddress ip) {
        return admission.admitAddress(ip);
    }

    private void release(java.net.InetAddress ip) {
        admission.release(ip);
    }

    private static java.net.InetAddress remoteIp(SocketChannel channel) {
        try {
            return ((java.net.InetSocketAddress) channel.getRemoteAddress()).getAddress();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** @param refusal the connection limit the connection is over, or null */
    private void openSession(EventLoop loop, int index, Listener listener, SocketChannel channel,
                             RefusalCause refusal) {
        java.net.InetAddress ip = listener.haproxy() ? null : remoteIp(channel);
        if (closed) {
            release(ip);
            closeQuietly(channel);
            return;
        }
        Session session;
        try {
            session = new Session(this, loop, listener, channel, newSessionId());
        } catch (IOException e) {
            release(ip);
            closeQuietly(channel);
            return;
        }
        openSessions.incrementAndGet();
        totalSessions.incrementAndGet();
        sessions.get(index).add(session);
        registry.add(session);
        counters.opened(session.protocol());
        listeners.sessionOpened(session.info());
        try {
            session.open(refusal);
        } catch (IOException e) {
            LOG.debug("session could not start: {}", e.toString());
            session.closeNow();
        } catch (RuntimeException e) {
            LOG.error("session could not start", e);
            session.closeNow();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("close", e);
        }
    }

    private String newSessionId() {
        byte[] b = new byte[9];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    void sessionClosed(Session session, EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                sessions.get(i).remove(session);
            }
        }
        registry.remove(session);
        // the limits first: whoever sees the session count drop may connect again at once
        release(session.admittedIp());
        openSessions.decrementAndGet();
    }

    /**
     * Counts a refusal for the refusal log and tells the session listeners.
     *
     * @param protocol the listener's protocol
     * @param cause    why
     */
    void refused(String protocol, RefusalCause cause) {
        switch (cause) {
            case MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP -> refused("connection-limit");
            case MAX_LOGINS_PER_IP -> refused("login-rate");
            case PASSDB_BUSY -> refused("passdb-busy");
            case ACCEPT_FAILED -> { }  // AcceptBackoff logs these itself
            default -> refused(cause.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        listeners.connectionRefused(protocol, cause);
    }

    /**
     * A session has ended: counted, and told to the session listeners.
     *
     * @param event the session's summary
     */
    void sessionEnded(io.github.mailproxy.SessionEvent event) {
        counters.closed(event.protocol(), event.outcome());
        listeners.sessionClosed(event);
    }

    /**
     * A login attempt was decided: counted, and told to the session listeners.
     *
     * @param event the decision
     */
    void loginDecided(io.github.mailproxy.LoginEvent event) {
        counters.loginDecided(event.protocol(), event.outcome());
        listeners.loginDecided(event);
    }

    /** @return a snapshot of every live session */
    public List<io.github.mailproxy.SessionInfo> sessions() {
        return registry.snapshot();
    }

    /**
     * @param which  the sessions to kick, by their snapshot
     * @param reason told to the clients where the protocol allows it
     * @return how many matched
     */
    public int kick(java.util.function.Predicate<io.github.mailproxy.SessionInfo> which, String reason) {
        return registry.kick(which, reason);
    }

    /**
     * @param id     a session id
     * @param reason told to the client where the protocol allows it
     * @return whether the session was live
     */
    public boolean kick(String id, String reason) {
        return registry.kick(id, reason);
    }

    /** @return whether {@link #close()} has begun */
    public boolean isShuttingDown() {
        return closed;
    }

    /**
     * Counts a refusal (a connection over a limit, a login over the rate limit, ...). Under attack
     * these come by the thousand, so they are summarised in the log, never one line each.
     *
     * @param cause a short token naming the cause, such as {@code connection-limit}
     */
    void refused(String cause) {
        refusals.refused(cause);
    }

    /** @return the server-wide count of reply bytes queued on sessions and not yet written */
    AtomicLong queuedReplyBytes() {
        return queuedReplyBytes;
    }

    /**
     * A loop died of an {@link Error}. Runs on that loop's thread, which closes its sessions here
     * (no other thread may); another thread closes the rest of the server, since {@link #close()}
     * waits for the loops.
     */
    private void loopFailed(int index, Throwable t) {
        boolean first = failure.compareAndSet(null, t);
        if (first) {
            try {
                LOG.error("msg=\"event loop failed; the server stops\" loop={} error={}", loops[index].name(), t.getClass().getName(), t);
            } catch (Throwable logFailure) {
                t.addSuppressed(logFailure); // out of memory even for that: the failure is still reported
            }
        }
        for (Session s : new ArrayList<>(sessions.get(index))) {
            try {
                s.closeNow();
            } catch (Throwable closeFailure) {
                // the session is half gone; its socket is closed with the selector
                sessions.get(index).remove(s);
            }
        }
        if (first) {
            try {
                Thread stopper = new Thread(this::close, "mailproxy-stop");
                stopper.start();
            } catch (Throwable noThread) {
                close();
            }
        }
    }

    /** @return the error that stopped the server, if one did */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure.get());
    }

    /**
     * Waits until the server is closed, by {@link #close()} or after a {@link #failure()}.
     *
     * @param timeout how long to wait at most
     * @return whether it is closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(java.time.Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void backendOpened() {
        openBackends.incrementAndGet();
    }

    void backendClosed() {
        openBackends.decrementAndGet();
    }

    EngineConfig config() {
        return config;
    }

    SessionSettings sessionSettings() {
        return sessionSettings;
    }

    PassDb passDb() {
        return passDb;
    }

    ExecutorService resolver() {
        return resolver;
    }

    /** @return the server's auth service */
    AuthService authService() {
        return authService;
    }

    /** @return what backend connectors use of the server; the resolver exists once started */
    synchronized BackendConnector.Network backendNetwork() {
        if (backendNetwork == null) {
            backendNetwork = new BackendConnector.Network(this::isOwnListener, resolver, this::backendSslContext,
                    this::restrictProtocols, config.backendConnectTimeout(), queuedReplyBytes,
                    this::backendOpened, this::backendClosed);
        }
        return backendNetwork;
    }

    synchronized SSLContext backendSslContext(boolean anyCert) {
        if (anyCert) {
            if (anyCertSslContext == null) {
                anyCertSslContext = AnyCertTrust.context(config.tlsProvider());
            }
            return anyCertSslContext;
        }
        if (backendSslContext == null) {
            backendSslContext = config.backendSslContext() != null ? config.backendSslContext()
                    : TlsProviders.clientContext(config.tlsProvider(), null);
        }
        return backendSslContext;
    }

    /**
     * @param protocol a protocol name
     * @return the bound port of its first listener
     */
    public int port(String protocol) {
        if (!started) {
            throw new IllegalStateException("the server is not started");
        }
        for (int i = 0; i < config.listeners().size(); i++) {
            if (config.listeners().get(i).protocol().name().equals(protocol)) {
                return boundPorts.get(i);
            }
        }
        throw new IllegalArgumentException("no listener for protocol " + protocol);
    }

    /**
     * @param index a listener's index in the configuration
     * @return its bound address
     */
    public java.net.InetSocketAddress boundAddress(int index) {
        if (!started) {
            throw new IllegalStateException("the server is not started");
        }
        return new java.net.InetSocketAddress(config.listeners().get(index).address().getAddress(), boundPorts.get(index));
    }

    /** @return the counters now */
    public ProxyStats stats() {
        return new ProxyStats(openSessions.get(), totalSessions.get(), buffersInUse.get(), buffersPooled.get(),
                openBackends.get(), authCache == null ? 0 : authCache.hits(), authCache == null ? 0 : authCache.misses(),
                queuedReplyBytes.get(), counters.logins(), counters.closed(), counters.open());
    }

    /** Stops accepting, says goodbye to clients logging in, closes all sessions and stops the loops. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                if (passDbExecutor != null) {
                    passDbExecutor.shutdownNow();
                }
                authService.close();
                terminated.countDown();
                return;
            }
        }
        for (ServerSocketChannel server : servers) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("closing listener", e);
            }
        }
        for (int i = 0; i < loops.length; i++) {
            Set<Session> set = sessions.get(i);
            loops[i].execute(() -> {
                for (Session s : new ArrayList<>(set)) {
                    s.shutdown();
                }
            });
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        while (openSessions.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5); // close() is a blocking call by contract; this polls the loops' progress
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (int i = 0; i < loops.length; i++) {
            Set<Session> set = sessions.get(i);
            loops[i].execute(() -> {
                for (Session s : new ArrayList<>(set)) {
                    s.flushAndClose();
                }
            });
        }
        for (EventLoop loop : loops) {
            loop.shutdown(config.shutdownTimeout().toMillis());
        }
        resolver.shutdownNow();
        watchdog.stop();
        if (passDbExecutor != null) {
            // interrupts lookups still running: their sessions are gone
            passDbExecutor.shutdownNow();
        }
        authService.close();
        refusals.flushAtClose(System.nanoTime() - lastRefusalSummaryNanos);
        terminated.countDown();
    }
}
