package io.github.mailproxy.internal;

import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.Listener;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.spi.ClientHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session's life: the client socket and its TLS, the pre-login reading that feeds the
 * protocol's handler, the login and idle timeouts, the hand-over to the {@link Relay}, and the
 * close that gives every resource back and reports the session. The backend socket during login is
 * the {@link BackendConnector}'s, and the protocol sees the session through a
 * {@link ClientSessionView}, which also knows who the client is and asks the {@link AuthService}. Every method runs on the session's loop.
 */
final class Session implements BackendConnector.Owner {

    private enum State { HAPROXY, TLS_ACCEPT, PRELOGIN, RELAY, CLOSING, CLOSED }

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Engine engine;
    private final EventLoop loop;
    private final Listener listener;
    private final String id;
    private final Endpoint client;
    private final long startNanos = System.nanoTime();
    private final ClientSessionView view;
    private final BackendConnector backend;
    private final PreLoginReader reader;
    private final ClientTls tls;
    private ClientHandler handler;
    private State state;
    private Relay relay;
    private InetSocketAddress relayedBackend;

    private boolean relayRequested;
    private final LoginTimeouts timeouts;
    private EventLoop.Timer closeTimer;
    /** The address the connection limits count this session under (null: the total only). */
    private java.net.InetAddress admittedIp;
    /** While a PROXY protocol header is awaited: its reader, its deadline, and the limits' verdict at accept. */
    private InboundProxyHeader proxyHeader;
    private EventLoop.Timer proxyHeaderTimer;
    private boolean overloadedAtAccept;

    Session(Engine engine, EventLoop loop, Listener listener, SocketChannel channel, String id) throws IOException {
        this.engine = engine;
        this.loop = loop;
        this.listener = listener;
        this.id = id;
        this.client = new Endpoint(channel, engine.queuedReplyBytes(), loop.pool());
        this.view = new ClientSessionView(this, engine, listener.protocol(),
                (InetSocketAddress) channel.getRemoteAddress(), (InetSocketAddress) channel.getLocalAddress());
        // behind a load balancer only the client named by the PROXY header is counted per address
        this.admittedIp = listener.haproxy() ? null : view.peerAddress().getAddress();
        this.backend = new BackendConnector(loop, engine.backendNetwork(), this, listener.protocol().defaultBackendPort());
        this.tls = new ClientTls(listener, engine, client, loop.pool());
        this.reader = new PreLoginReader(this, client, engine.config(), loop.pool().bufferSize());
        // a paused client waits for the PassDb or the backend, which is no idling
        this.timeouts = new LoginTimeouts(loop, engine.config().loginTimeout(), engine.config().idleTimeout(),
                reader::lastInputNanos, () -> client.paused, this::beforeLogin, this::onLoginTimeout);
    }

    /**
     * Registers the client socket and greets, or starts the implicit TLS handshake.
     *
     * @param overloaded whether a connection limit is reached: then the client is only told to come back
     */
    void open(boolean overloaded) throws IOException {
        client.key = loop.register(client.channel, SelectionKey.OP_READ, key -> onReady(client, key));
        timeouts.start();
        if (listener.haproxy()) {
            // nothing is said before the header: the balancer, not a client, is at the other end
            state = State.HAPROXY;
            overloadedAtAccept = overloaded;
            proxyHeader = new InboundProxyHeader();
            proxyHeaderTimer = loop.schedule(engine.config().haproxyTimeout().toNanos(),
                    () -> proxyHeaderRefused("timeout"));
            return;
        }
        greet(overloaded);
    }

    /** @return the client address the connection limits count this session under, or null */
    java.net.InetAddress admittedIp() {
        return admittedIp;
    }

    /** Reads the PROXY protocol header; once complete, the client it names is admitted and greeted. */
    private void readProxyHeader() throws IOException {
        InboundProxyHeader.Status status;
        try {
            status = proxyHeader.read(client.channel);
        } catch (ProxyHeaderParser.Malformed e) {
            proxyHeaderRefused(e.reason());
            return;
        }
        switch (status) {
            case MORE -> {
            }
            case CLOSED_EMPTY -> closeNow();
            case TRUNCATED -> proxyHeaderRefused("truncated");
            case DONE -> {
                ProxyHeader header = proxyHeader.header();
                proxyHeader = null;
                proxyHeaderTimer.cancel();
                if (header.proxied()) {
                    view.proxiedBy(header);
                }
                admittedIp = view.peerAddress().getAddress();
                boolean withinPerIp = engine.admitAddress(admittedIp);
                greet(overloadedAtAccept || !withinPerIp);
            }
        }
    }

    private void proxyHeaderRefused(String reason) {
        if (state != State.HAPROXY) {
            return;
        }
        LOG.debug("session={} msg=\"PROXY protocol header refused\" peer={} reason={}", id,
                Text.logAddress(view.peerAddress()), reason);
        engine.refused("haproxy-bad-header");
        closeNow();
    }

    /**
     * Greets the client, starts the implicit TLS handshake, or (over a limit) tells it to come back.
     *
     * @param overloaded whether a connection limit is reached
     */
    private void greet(boolean overloaded) throws IOException {
        handler = listener.protocol().newClientHandler(view);
        if (overloaded) {
            engine.refused("connection-limit");
            if (tls.implicit()) {
                closeNow();
                return;
            }
            state = State.PRELOGIN;
            handler.onOverloaded();
            close();
            return;
        }
        if (tls.implicit()) {
            state = State.TLS_ACCEPT;
            beginTls();
        } else {
            state = State.PRELOGIN;
            handler.onOpen();
            reader.updateInterest();
        }
    }

    // ---- what the view and the connector ask ----

    @Override
    public String sessionId() {
        return id;
    }

    String protocol() {
        return listener.protocol().name();
    }

    EventLoop loop() {
        return loop;
    }

    ClientSessionView view() {
        return view;
    }

    /** @return whether the session has not closed yet */
    boolean open() {
        return state != State.CLOSED;
    }

    boolean secured() {
        return client.transport.secured();
    }

    boolean startTlsAvailable() {
        return tls.available();
    }

    @Override
    public boolean loggingIn() {
        return state == State.PRELOGIN;
    }

    /** @return whether the session is logging in or relaying: the phases that read */
    boolean reading() {
        return state == State.PRELOGIN || state == State.RELAY;
    }

    /** @return whether the client has not logged in yet (or is in its PROXY header or implicit TLS handshake) */
    boolean beforeLogin() {
        return state == State.PRELOGIN || state == State.TLS_ACCEPT || state == State.HAPROXY;
    }

    @Override
    public boolean dispatching() {
        return reader.dispatching();
    }

    /** @return whether client input may be handed to the handler now */
    boolean inputWanted() {
        return state == State.PRELOGIN && !tls.requested() && !relayRequested;
    }

    /** @return whether a STARTTLS handshake waits for the replies before it to be written */
    boolean tlsRequested() {
        return tls.requested();
    }

    ClientHandler handler() {
        return handler;
    }

    void write(byte[] bytes) {
        if (state == State.CLOSED || state == State.RELAY) {
            return;
        }
        client.queue(bytes);
        if (client.handshaking || tls.requested()) {
            return;
        }
        try {
            client.flushOut();
            reader.updateInterest();
        } catch (IOException e) {
            LOG.debug("session {}: write to client failed: {}", id, e.toString());
            closeNow();
        }
    }

    void pauseInput() {
        client.paused = true;
        reader.updateInterest();
    }

    void resumeInput() {
        if (!client.paused || state != State.PRELOGIN) {
            return;
        }
        client.paused = false;
        reader.scheduleResume();
    }

    void startTls() {
        tls.request();
        if (!reader.dispatching()) {
            afterDispatch();
        }
    }

    void connectBackend(BackendTarget target, BackendHandler handler, int proxyTtl) {
        if (state == State.PRELOGIN) {
            backend.connect(view.backendTarget(target), handler, proxyTtl);
        }
    }

    void startRelay(BackendConnection connection) {
        if (connection != backend.connection() || backend.endpoint() == null) {
            throw new IllegalArgumentException("not this session's backend connection");
        }
        relayRequested = true;
        if (!reader.dispatching()) {
            afterDispatch();
        }
    }

    /** Closes the session once everything queued for the client is written. */
    void close() {
        if (state == State.CLOSED || state == State.CLOSING) {
            return;
        }
        if (state != State.RELAY) {
            backend.close();
        } else {
            relay.end();
        }
        state = State.CLOSING;
        client.wantRead = false;
        if (!client.outputPending()) {
            closeNow();
            return;
        }
        closeTimer = loop.schedule(CLOSE_GRACE_NANOS, this::closeNow);
        reader.updateInterest();
    }

    // ---- engine calls ----

    /** The server is shutting down. */
    void shutdown() {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.PRELOGIN) {
            view.outcome(Outcome.SHUTDOWN);
            try {
                handler.onShutdown();
            } catch (RuntimeException e) {
                LOG.warn("session {}: protocol handler failed on shutdown", id, e);
            }
            close();
        } else if (state != State.RELAY) {
            // relayed sessions go on until the shutdown deadline (flushAndClose)
            view.outcome(Outcome.SHUTDOWN);
            closeNow();
        }
    }

    /** The shutdown deadline has passed: write what was already read to its other side, then close. */
    void flushAndClose() {
        if (state == State.RELAY) {
            view.outcome(Outcome.SHUTDOWN);  // cut by the server, not ended by either side
        }
        if (relay != null && state != State.CLOSED) {
            try {
                relay.flush();
            } catch (IOException e) {
                LOG.debug("session {}: last flush failed: {}", id, e.toString());
            }
        }
        closeNow();
    }

    // ---- I/O events ----

    @Override
    public void onReady(Endpoint ep, SelectionKey key) {
        if (state == State.CLOSED || ep.closed) {
            key.cancel();
            return;
        }
        try {
            int ops = key.readyOps();
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                writable(ep);
            }
            if (!ep.closed && state != State.CLOSED && (ops & SelectionKey.OP_READ) != 0) {
                readable(ep);
            }
            afterEvent();
        } catch (IOException e) {
            LOG.debug("session {}: {} I/O failed: {}", id, ep == client ? "client" : "backend", e.toString());
            ioFailed(ep);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Sets interest ops, and makes sure input decrypted ahead (invisible to the selector) gets read. */
    @Override
    public void afterEvent() {
        if (state == State.CLOSED) {
            return;
        }
        reader.updateInterest();
        reader.scheduleBufferedRead(client);
        Endpoint b = backendEndpoint();
        if (b != null) {
            b.updateInterest();
            reader.scheduleBufferedRead(b);
        }
    }

    private Endpoint backendEndpoint() {
        return relay != null ? relay.backend() : backend.endpoint();
    }

    void ioFailed(Endpoint ep) {
        if (ep != client && state == State.PRELOGIN) {
            backend.lost();
        } else {
            closeNow();
        }
    }

    @Override
    public void failed(RuntimeException e) {
        LOG.error("session {}: unexpected error; closing the session", id, e);
        closeNow();
    }

    /** Reads what a readable endpoint has, as the session's phase wants it. */
    void readable(Endpoint ep) throws IOException {
        if (ep.handshaking) {
            if (ep == client) {
                continueHandshake();
            }
            return;
        }
        switch (state) {
            case RELAY -> {
                relay.readable(ep);
                if (relay.ended()) {
                    relayEnded();
                }
            }
            case PRELOGIN -> reader.read(ep);
            case HAPROXY -> readProxyHeader();
            default -> ep.wantRead = false;
        }
    }

    @Override
    public void readBuffered(Endpoint ep) throws IOException {
        reader.read(ep);
    }

    private void writable(Endpoint ep) throws IOException {
        if (ep.handshaking) {
            continueHandshake();
            if (ep.handshaking) {
                return;
            }
        }
        if (relay != null && (state == State.RELAY || state == State.CLOSING)) {
            relay.writable(ep);
            if (state == State.RELAY && relay.ended()) {
                relayEnded();
            }
        } else if (ep.flushOut() && tls.requested() && ep == client) {
            beginTls();
        }
        if (state == State.CLOSING && !pendingOutput()) {
            closeNow();
        }
    }

    private boolean pendingOutput() {
        return relay != null ? relay.pending() : client.outputPending();
    }

    /**
     * Hands buffered backend input to the login client.
     *
     * @param in the input in read mode
     */
    void offerToBackendHandler(ByteBuffer in) {
        BackendHandler h = backend.handler();
        if (h != null) {
            h.onInput(in);
        }
    }

    private void onLoginTimeout() {
        if (beforeLogin()) {
            view.outcome(Outcome.TIMEOUT);
            if (state == State.PRELOGIN) {
                try {
                    handler.onTimeout();
                } catch (RuntimeException e) {
                    LOG.warn("session {}: protocol handler failed on timeout", id, e);
                }
            }
            close();
        }
    }

    /** After a handler call: start what it asked for during it (STARTTLS, the relay, backend TLS). */
    void afterDispatch() {
        if (state != State.PRELOGIN) {
            return;
        }
        backend.startRequestedTls();
        if (relayRequested) {
            relayRequested = false;
            startRelayNow();
        } else if (tls.requested()) {
            // RFC 3207 section 4.2 / RFC 2595: nothing sent before the handshake may be used after it
            client.dropInput();
            try {
                if (client.flushOut()) {
                    beginTls();
                }
                reader.updateInterest();
            } catch (IOException e) {
                closeNow();
            }
        }
    }

    // ---- client TLS ----

    private void beginTls() throws IOException {
        tls.begin();
        continueHandshake();
    }

    private void continueHandshake() throws IOException {
        if (!client.continueHandshake()) {
            return;
        }
        if (state == State.TLS_ACCEPT) {
            state = State.PRELOGIN;
            handler.onOpen();
        }
        if (state == State.PRELOGIN && client.transport.hasBufferedInput()) {
            reader.read(client);
        }
        client.updateInterest();
    }

    // ---- relay ----

    private void startRelayNow() {
        state = State.RELAY;
        view.outcome(Outcome.PROXIED);
        view.loginSucceeded();
        cancelTimers();
        relayedBackend = backend.address();
        relay = new Relay(client, backend.handOver(), loop.pool());
        try {
            relay.start();
        } catch (IOException e) {
            LOG.debug("session {}: relay failed at start: {}", id, e.toString());
            closeNow();
            return;
        }
        if (relay.ended()) {
            relayEnded();
        }
        afterEvent();
    }

    /** One side ended: write what is pending to the other, then close both. */
    private void relayEnded() {
        if (state != State.RELAY) {
            return;
        }
        state = State.CLOSING;
        if (!relay.pending()) {
            closeNow();
            return;
        }
        closeTimer = loop.schedule(CLOSE_GRACE_NANOS, this::closeNow);
    }

    // ---- close ----

    private void cancelTimers() {
        timeouts.cancel();
        if (proxyHeaderTimer != null) {
            proxyHeaderTimer.cancel();
        }
        if (closeTimer != null) {
            closeTimer.cancel();
        }
    }

    /** Closes both sockets at once, gives every buffer back and reports the session. Idempotent. */
    void closeNow() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        cancelTimers();
        InetSocketAddress backendAddress = relay != null ? relayedBackend : backend.address();
        if (relay != null) {
            relay.close();
            relay.backend().close();
            engine.backendClosed();
        }
        client.close();
        backend.close();
        engine.sessionClosed(this, loop);
        try {
            if (handler != null) {
                handler.onClosed();
            }
        } catch (RuntimeException e) {
            LOG.warn("session {}: protocol handler failed on close", id, e);
        }
        view.reportClosed(backendAddress, relay != null, relay == null ? 0 : relay.clientBytes(),
                relay == null ? 0 : relay.backendBytes(), Duration.ofNanos(System.nanoTime() - startNanos));
    }

    @Override
    public ProxyHeader clientHeader() {
        return new ProxyHeader(view.clientAddress(), view.localAddress(), view.secured(), view.serverName());
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + protocol() + ", " + Text.address(view.clientAddress()) + ", " + state + "]";
    }
}
