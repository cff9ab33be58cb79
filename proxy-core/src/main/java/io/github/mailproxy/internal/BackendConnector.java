package io.github.mailproxy.internal;

import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's connection to its backend during login: tries the target's hosts in order, each
 * within the connect timeout (Dovecot's {@code proxy_timeout}, which then bounds the greeting and
 * login too), from the target's source address if it names one; resolves host names off the loop;
 * refuses to connect to the proxy's own listeners or with an exhausted proxy TTL; sends the PROXY
 * protocol v2 header first when the target asks for it; runs the backend's TLS handshake, implicit or
 * after STARTTLS, verifying the certificate against the host's name (which differs from the address
 * connected to when the PassDb gave {@code hostip}).
 * The protocol's login client ({@link BackendHandler}) sees the socket as a {@link BackendConnection}.
 * Runs on the session's loop only.
 */
final class BackendConnector {

    private static final Logger LOG = LoggerFactory.getLogger(BackendConnector.class);

    /**
     * What the server provides to every session's connector.
     *
     * @param ownListener    whether an address is one of this server's listeners (a proxy loop)
     * @param resolver       where host names are resolved, off the loops
     * @param sslContext     the TLS context for backends, by whether any certificate is accepted
     * @param restrictTls    restricts an engine to the configured TLS versions
     * @param connectTimeout the connect timeout when the target names none
     * @param queuedBytes    the server-wide count of queued bytes
     * @param opened         counts a backend socket opened
     * @param closed         counts a backend socket closed
     */
    record Network(Predicate<InetSocketAddress> ownListener, Executor resolver, Function<Boolean, SSLContext> sslContext,
                   java.util.function.Consumer<SSLEngine> restrictTls, Duration connectTimeout, AtomicLong queuedBytes,
                   Runnable opened, Runnable closed) {
    }

    /** The session side. */
    interface Owner {
        /** @return the session id, for logs */
        String sessionId();

        /** @return whether the session is still logging in: later, nothing here acts any more */
        boolean loggingIn();

        /** @return whether a handler call is in progress, after which {@link #afterEvent} runs anyway */
        boolean dispatching();

        /**
         * A backend socket event past the connect and the handshake: input for the login client, or
         * relay traffic.
         *
         * @param ep  the backend endpoint
         * @param key its key
         */
        void onReady(Endpoint ep, SelectionKey key);

        /** Input decrypted with the handshake's last records waits: read it now. */
        void readBuffered(Endpoint ep) throws IOException;

        /** Sets interest ops after an event handled here. */
        void afterEvent();

        /** A bug in a handler: the session ends. */
        void failed(RuntimeException e);

        /**
         * A backend host is being tried.
         *
         * @param host the host as the target names it
         */
        default void backendHost(String host) {
        }

        /**
         * The backend socket is connected.
         *
         * @param address the address connected to
         */
        default void backendConnected(InetSocketAddress address) {
        }
        /** @return the client as a PROXY protocol header names it to a backend that wants one */
        ProxyHeader clientHeader();
    }

    private final EventLoop loop;
    private final Network network;
    private final Owner owner;
    private final int defaultPort;

    private Endpoint backend;
    private BackendHandler handler;
    private Link link;
    private BackendTarget target;
    private int hostIndex;
    /** Counts attempts, so that an answer of an abandoned one (a resolution, a deferred failure) is ignored. */
    private int attempt;
    private InetSocketAddress address;
    private EventLoop.Timer timer;
    private boolean tlsRequested;

    /**
     * @param loop        the session's loop
     * @param network     the server's side
     * @param owner       the session's side
     * @param defaultPort the protocol's backend port, when the target names none
     */
    BackendConnector(EventLoop loop, Network network, Owner owner, int defaultPort) {
        this.loop = loop;
        this.network = network;
        this.owner = owner;
        this.defaultPort = defaultPort;
    }

    /** @return the backend socket, once connecting; null before and after */
    Endpoint endpoint() {
        return backend;
    }

    /** @return the address connected (or tried) last, or null */
    InetSocketAddress address() {
        return address;
    }

    /** @return the login client's view of the connected socket, or null */
    BackendConnection connection() {
        return link;
    }

    /**
     * Connects, dropping any backend connection this session had.
     *
     * @param target   where to connect
     * @param handler  the protocol's login client
     * @param proxyTtl the session's hop count: at zero this is a proxy loop, and nothing is connected
     */
    void connect(BackendTarget target, BackendHandler handler, int proxyTtl) {
        close();
        this.target = target;
        this.handler = handler;
        this.hostIndex = 0;
        if (proxyTtl <= 0) {
            // Dovecot's x-proxy-ttl: every proxy on the way took one off, so the logins go round in circles
            LOG.warn("proxy loop session={} backend={} cause=proxy-ttl-exhausted", owner.sessionId(),
                    Text.logValue(target.logName(defaultPort)));
            int mine = ++attempt;
            // answered on the next pass, not inside the handler's own call
            loop.execute(() -> {
                if (mine == attempt && this.handler == handler && owner.loggingIn()) {
                    this.handler = null;
                    handler.onConnectFailed(new IOException("proxy loop: proxy TTL exhausted"));
                }
            });
            return;
        }
        tryHost();
    }

    private void tryHost() {
        if (hostIndex >= target.hosts().size()) {
            return;
        }
        String host = target.hosts().get(hostIndex);
        int port = target.port() > 0 ? target.port() : defaultPort;
        int mine = ++attempt;
        owner.backendHost(host);
        if (isAddressLiteral(host)) {
            try {
                connectTo(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                connectFailed(e);
            }
            return;
        }
        // Name lookups may block: never on the loop.
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(host, port), network.resolver())
                .whenComplete((resolved, failure) -> loop.execute(() -> {
                    if (mine != attempt || !owner.loggingIn()) {
                        return;
                    }
                    if (failure != null || resolved.isUnresolved()) {
                        connectFailed(new IOException("cannot resolve backend host " + host));
                        return;
                    }
                    try {
                        connectTo(resolved);
                    } catch (IOException e) {
                        connectFailed(e);
                    }
                }));
    }

    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private void connectTo(InetSocketAddress to) throws IOException {
        address = to;
        if (network.ownListener().test(to)) {
            LOG.warn("proxy loop session={} backend={} cause=own-listener", owner.sessionId(), Text.address(to));
            int mine = attempt;
            // as a refused connection, but answered on the next pass, not inside the handler's own call
            loop.execute(() -> {
                if (mine == attempt && backend == null && owner.loggingIn()) {
                    connectFailed(new IOException("proxy loop: " + Text.address(to) + " is this proxy"));
                }
            });
            return;
        }
        SocketChannel channel = SocketChannel.open();
        Endpoint ep = new Endpoint(channel, network.queuedBytes(), loop.pool());
        backend = ep;
        network.opened().run();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (target.sourceAddress() != null) {
            channel.bind(new InetSocketAddress(target.sourceAddress(), 0));  // Dovecot's source_ip
        }
        ep.key = loop.register(channel, 0, key -> onReady(ep, key));
        if (channel.connect(to)) {
            connected(ep);
            return;
        }
        ep.connecting = true;
        ep.updateInterest();
        timer = loop.schedule(timeout().toNanos(), () -> {
            if (backend == ep && ep.connecting) {
                connectFailed(new SocketTimeoutException("connect to " + Text.address(to) + " timed out"));
            }
        });
    }

    private Duration timeout() {
        return target.connectTimeout() != null ? target.connectTimeout() : network.connectTimeout();
    }

    private void onReady(Endpoint ep, SelectionKey key) {
        if (ep.closed) {
            key.cancel();
            return;
        }
        if (!ep.connecting && !ep.handshaking) {
            owner.onReady(ep, key);
            return;
        }
        try {
            if (ep.connecting) {
                finishConnect(ep);
            } else {
                continueHandshake(ep);
            }
            owner.afterEvent();
        } catch (IOException e) {
            LOG.debug("session {}: backend I/O failed: {}", owner.sessionId(), e.toString());
            if (backend == ep) {
                lost();
            }
        } catch (RuntimeException e) {
            owner.failed(e);
        }
    }

    private void finishConnect(Endpoint ep) throws IOException {
        try {
            if (!ep.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            connectFailed(e);
            return;
        }
        ep.connecting = false;
        connected(ep);
    }

    private void connected(Endpoint ep) throws IOException {
        cancelTimer();
        owner.backendConnected(address);
        // As Dovecot's proxy_timeout, the same time bounds the backend's greeting and login.
        timer = loop.schedule(timeout().toNanos(), () -> {
            if (backend == ep && owner.loggingIn()) {
                LOG.info("session={} msg=\"backend did not complete the login in time\" backend={}",
                        owner.sessionId(), Text.logAddress(address));
                lost();
            }
        });
        ep.updateInterest();
        link = new Link(ep);
        if (Boolean.TRUE.equals(target.haproxy())) {
            sendProxyHeader(ep);
        }
        if (target.tls() == TlsMode.IMPLICIT) {
            ep.beginTls(clientEngine(), loop.pool());
            continueHandshake(ep);
        } else {
            handler.onConnected(link);
        }
    }

    private void continueHandshake(Endpoint ep) throws IOException {
        if (!ep.continueHandshake()) {
            return;
        }
        if (handler != null) {
            if (target.tls() == TlsMode.IMPLICIT) {
                handler.onConnected(link);
            } else {
                handler.onSecured();
            }
            if (backend == ep && ep.transport.hasBufferedInput()) {
                owner.readBuffered(ep);
            }
        }
        ep.updateInterest();
    }

    /**
     * Writes the PROXY protocol v2 header straight to the fresh socket, before any TLS. A new
     * connection's send buffer is empty and the header is a few dozen bytes, so it is written whole.
     */
    private void sendProxyHeader(Endpoint ep) throws IOException {
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(owner.clientHeader().toV2());
        ep.channel.write(header);
        if (header.hasRemaining()) {
            throw new IOException("the PROXY header did not fit in a new connection's send buffer");
        }
    }

    /** A client-mode engine for the backend, verifying its certificate against the host's name. */
    private SSLEngine clientEngine() {
        String host = target.name(Math.min(hostIndex, target.hosts().size() - 1));
        SSLEngine e = network.sslContext().apply(target.anyCert()).createSSLEngine(host, address.getPort());
        e.setUseClientMode(true);
        network.restrictTls().accept(e);
        if (!target.anyCert()) {
            SSLParameters params = e.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            e.setSSLParameters(params);
        }
        return e;
    }

    /** Starts the STARTTLS handshake the login client asked for, once its call has returned. */
    void startRequestedTls() {
        if (!tlsRequested) {
            return;
        }
        tlsRequested = false;
        if (backend == null || backend.closed || backend.transport.secured()) {
            return;
        }
        // nothing the backend sent before the handshake may be used after it
        backend.dropInput();
        try {
            backend.beginTls(clientEngine(), loop.pool());
            continueHandshake(backend);
        } catch (IOException e) {
            LOG.debug("session {}: backend TLS failed: {}", owner.sessionId(), e.toString());
            lost();
        }
    }

    private void connectFailed(IOException cause) {
        LOG.debug("session={} msg=\"backend connection failed\" backend={} error={}", owner.sessionId(),
                Text.logAddress(address), Text.logValue(cause.toString()));
        BackendHandler h = handler;
        closeSocket();
        hostIndex++;
        if (target != null && hostIndex < target.hosts().size()) {
            tryHost();
        } else if (h != null) {
            handler = null;
            LOG.info("session={} msg=\"backend login failed\" backend={} reason={}", owner.sessionId(),
                    Text.logValue(target.logName(defaultPort)),
                    Text.logValue("unreachable: " + cause));
            h.onConnectFailed(cause);
        }
    }

    /** @return the login client, or null once the login is over */
    BackendHandler handler() {
        return handler;
    }

    /** The backend socket failed or ended during login: the login client hears of it. */
    void lost() {
        BackendHandler h = handler;
        close();
        if (h != null) {
            h.onClosed();
        }
    }

    /**
     * The login is over and the relay takes the socket: no more login client, no more timeout.
     *
     * @return the backend endpoint, now the relay's: its owner closes it and counts it closed
     */
    Endpoint handOver() {
        handler = null;
        cancelTimer();
        Endpoint ep = backend;
        backend = null;
        link = null;
        return ep;
    }

    /** Drops the login client and closes the socket. Idempotent. */
    void close() {
        handler = null;
        closeSocket();
    }

    private void closeSocket() {
        cancelTimer();
        if (backend != null) {
            backend.close();
            network.closed().run();
            backend = null;
        }
        link = null;
        tlsRequested = false;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** The protocol's view of the backend socket during login. */
    private final class Link implements BackendConnection {
        private final Endpoint ep;

        Link(Endpoint ep) {
            this.ep = ep;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return address;
        }

        @Override
        public InetSocketAddress localAddress() {
            try {
                return (InetSocketAddress) ep.channel.getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void write(byte[] bytes) {
            if (ep.closed || !owner.loggingIn()) {
                return;
            }
            ep.queue(bytes);
            if (ep.handshaking) {
                return;
            }
            try {
                ep.flushOut();
                ep.updateInterest();
            } catch (IOException e) {
                LOG.debug("session {}: write to backend failed: {}", owner.sessionId(), e.toString());
                loop.execute(() -> {
                    if (backend == ep) {
                        lost();
                    }
                });
            }
        }

        @Override
        public void write(String text) {
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void startTls() {
            if (backend != ep || ep.transport.secured()) {
                return;
            }
            tlsRequested = true;
            if (!owner.dispatching()) {
                startRequestedTls();
                owner.afterEvent();
            }
        }

        @Override
        public void close() {
            if (backend == ep) {
                BackendConnector.this.close();
            }
        }
    }
}
