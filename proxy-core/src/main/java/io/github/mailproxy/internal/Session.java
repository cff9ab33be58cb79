package io.github.mailproxy.internal;

import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.Listener;
import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.SessionInfo;
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
final class Session implements BackendConnector.Owner, SessionRegistry.Entry {

    private enum State { HAPROXY, TLS_ACCEPT, PRELOGIN, RELAY, LOCAL, CLOSING, CLOSED }

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** Dovecot's words for {@code doveadm kick}. */
    private static final String DEFAULT_KICK_REASON = "Kicked by admin";
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
    /** Set once, at the relay's start; volatile for {@link #info()}. */
    private volatile Relay relay;
    private final SessionStatus status;
    private InetSocketAddress relayedBackend;

    private boolean relayRequested;
    /** A local login the flow asked for during a handler call, started when the call returns. */
    private record LocalLogin(String user, String tag) {
    }

    private LocalLogin localRequested;
    private volatile LocalLink local;   // read by info() from any thread
    private final LoginTimeouts timeouts;
    private EventLoop.Timer closeTimer;
    /** The address the connection limits count this session under (null: the total only). */
    private java.net.InetAddress admittedIp;
    /** While a PROXY protocol header is awaited: its reader, its deadline, and the limits' verdict at accept. */
    private InboundProxyHeader proxyHeader;
    private EventLoop.Timer proxyHeaderTimer;
    private io.github.mailproxy.RefusalCause refusalAtAccept;

    Session(Engine engine, EventLoop loop, Listener listener, SocketChannel channel, String id) throws IOException {
        this.engine = engine;
        this.loop = loop;
        this.listener = listener;
        this.id = id;
        this.status = new SessionStatus(engine.config().ticker());
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
     * @param refusal the connection limit reached, or null: then the client is only told to come back
     */
    void open(io.github.mailproxy.RefusalCause refusal) throws IOException {
        client.key = loop.register(client.channel, SelectionKey.OP_READ, key -> onReady(client, key));
        timeouts.start();
        if (listener.haproxy()) {
            // nothing is said before the header: the balancer, not a client, is at the other end
            state = State.HAPROXY;
            refusalAtAccept = refusal;
            proxyHeader = new InboundProxyHeader();
            proxyHeaderTimer = loop.schedule(engine.config().haproxyTimeout().toNanos(),
                    () -> proxyHeaderRefused("timeout"));
            return;
        }
        greet(refusal);
    }

    /** @return the client address the connection limits count this session under, or null */
    java.net.InetAddress admittedIp() {
        return admittedIp;
    }

    /** Reads the PROXY protocol header; once complete, the client it names is admitted and greeted. */
    private void readProxyHeader() throws IOException {
        InboundProxyHeader.Status read;
        try {
            read = proxyHeader.read(client.channel);
        } catch (ProxyHeaderParser.Malformed e) {
            proxyHeaderRefused(e.reason());
            return;
        }
        switch (read) {
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
                io.github.mailproxy.RefusalCause perIp = engine.admitAddress(admittedIp) ? null
                        : io.github.mailproxy.RefusalCause.MAX_CONNECTIONS_PER_IP;
                greet(refusalAtAccept != null ? refusalAtAccept : perIp);
            }
        }
    }

    private void proxyHeaderRefused(String reason) {
        if (state != State.HAPROXY) {
            return;
        }
        LOG.debug("session={} msg=\"PROXY protocol header refused\" peer={} reason={}", id,
                Text.logAddress(view.peerAddress()), reason);
        engine.refused(protocol(), io.github.mailproxy.RefusalCause.HAPROXY_BAD_HEADER);
        closeNow();
    }

    /**
     * Greets the client, starts the implicit TLS handshake, or (over a limit) tells it to come back.
     *
     * @param refusal the connection limit reached, or null
     */
    private void greet(io.github.mailproxy.RefusalCause refusal) throws IOException {
        handler = listener.protocol().newClientHandler(view);
        if (refusal != null) {
            engine.refused(protocol(), refusal);
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

    @Override
    public String id() {
        return id;
    }

    @Override
    public SessionInfo info() {
        Relay r = relay;
        LocalLink l = local;
        long fromClient = r != null ? r.clientBytes() : l != null ? l.fromClient() : 0;
        long toClient = r != null ? r.backendBytes() : l != null ? l.toClient() : 0;
        return status.info(id, protocol(), view.user(), view.clientAddress(), fromClient, toClient);
    }

    @Override
    public void kick(String reason) {
        loop.execute(() -> kickNow(reason));
    }

    SessionStatus status() {
        return status;
    }

    Engine engine() {
        return engine;
    }

    @Override
    public void backendHost(String host) {
        status.backendHost(host);
    }

    @Override
    public void backendConnected(InetSocketAddress address) {
        status.backendConnected(address);
    }

    /** Reports the login attempt just decided, if one is due. */
    void reportDecision() {
        SessionStatus.Attempt a = status.takeDecision(view.outcome());
        if (a == null) {
            status.attemptAbandoned();
        } else {
            engine.loginDecided(new LoginEvent(id, protocol(), view.user(), view.clientAddress(), a.outcome(),
                    a.backendHost(), a.backendAddress(), a.passDbLookup(), a.backendLogin()));
        }
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
        return state == State.PRELOGIN || state == State.RELAY || state == State.LOCAL;
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
        return state == State.PRELOGIN && !tls.requested() && !relayRequested && localRequested == null;
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
            status.backendConnecting();
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

    /**
     * Hands the logged-in client to the server's local handler for its protocol, once the handler
     * call in progress returns.
     *
     * @param user the authenticated user
     * @param tag  the login command's tag, or null
     */
    void startLocal(String user, String tag) {
        localRequested = new LocalLogin(user, tag);
        if (!reader.dispatching()) {
            afterDispatch();
        }
    }

    /** Closes the session once everything queued for the client is written. */
    void close() {
        if (state == State.CLOSED || state == State.CLOSING) {
            return;
        }
        if (state == State.RELAY) {
            relay.end();
        } else if (state == State.LOCAL) {
            local.end();
        } else {
            backend.close();
        }
        state = State.CLOSING;
        status.state(SessionInfo.State.CLOSING);
        client.wantRead = false;
        if (!client.outputPending()) {
            closeNow();
            return;
        }
        closeTimer = loop.schedule(CLOSE_GRACE_NANOS, this::closeNow);
        reader.updateInterest();
    }

    // ---- engine calls ----

    /**
     * An operator ends the session: before login the protocol says goodbye with the reason; a
     * relayed session closes at once (see {@link ClientHandler#relayKickNotice}).
     */
    private void kickNow(String reason) {
        if (state == State.CLOSED || state == State.CLOSING) {
            return;
        }
        LOG.info("session={} msg=\"kicked\" reason={}", Text.logValue(id), Text.logValue(reason));
        String text = Text.printable(reason).strip();
        if (text.isEmpty()) {
            text = DEFAULT_KICK_REASON;
        }
        view.outcome(Outcome.KICKED);
        switch (state) {
            case PRELOGIN -> {
                view.login().abandon();
                try {
                    handler.onKicked(text);
                } catch (RuntimeException e) {
                    LOG.warn("session {}: protocol handler failed on kick", id, e);
                }
                close();
            }
            case RELAY -> {
                sayGoodbyeInRelay(text);
                close();
            }
            case LOCAL -> close();   // the handler hears onClosed; what it wrote is flushed first
            default -> closeNow();
        }
    }

    private void sayGoodbyeInRelay(String reason) {
        try {
            String notice = handler.relayKickNotice(reason);
            if (notice != null && !relay.tellClient(notice.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                LOG.debug("session {}: kicked in the middle of a response: closed without a notice", id);
            }
        } catch (IOException e) {
            LOG.debug("session {}: kick notice not written: {}", id, e.toString());
        } catch (RuntimeException e) {
            LOG.warn("session {}: protocol handler failed on kick", id, e);
        }
    }

    private io.github.mailproxy.spi.RelayWatch relayWatch() {
        try {
            return handler.relayWatch();
        } catch (RuntimeException e) {
            LOG.warn("session {}: protocol handler failed to give a relay watch", id, e);
            return null;
        }
    }

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
        } else if (state != State.RELAY && state != State.LOCAL) {
            // relayed and local sessions go on until the shutdown deadline (flushAndClose)
            view.outcome(Outcome.SHUTDOWN);
            closeNow();
        }
    }

    /** The shutdown deadline has passed: write what was already read to its other side, then close. */
    void flushAndClose() {
        if (state == State.RELAY || state == State.LOCAL) {
            view.outcome(Outcome.SHUTDOWN);  // cut by the server, not ended by either side
        }
        if (local != null && state != State.CLOSED) {
            try {
                client.flushOut();  // what the application wrote last, as far as the socket takes it now
            } catch (IOException e) {
                LOG.debug("session {}: last flush failed: {}", id, e.toString());
            }
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
            case LOCAL -> local.readable();
            case HAPROXY -> readProxyHeader();
            default -> ep.wantRead = false;
        }
    }

    @Override
    public void readBuffered(Endpoint ep) throws IOException {
        if (state == State.LOCAL) {
            local.readable();
            return;
        }
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
        } else if (state == State.LOCAL) {
            local.written();
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
        } else if (localRequested != null) {
            LocalLogin login = localRequested;
            localRequested = null;
            startLocalNow(login.user(), login.tag());
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
        if (client.transport instanceof TlsTransport t) {
            view.serverNameFromHandshake(t.requestedServerName());
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
        relay = new Relay(client, backend.handOver(), loop.pool(), relayWatch());
        status.state(SessionInfo.State.PROXYING);
        reportDecision();
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

    // ---- local ----

    private void startLocalNow(String user, String tag) {
        state = State.LOCAL;
        view.loginSucceeded();
        cancelTimers();
        local = new LocalLink(this, client, view, user, tag);
        status.state(SessionInfo.State.LOCAL);
        reportDecision();
        try {
            local.start(engine.config().localHandlers().get(protocol()));
        } catch (IOException e) {
            LOG.debug("session {}: local session failed at start: {}", id, e.toString());
            closeNow();
            return;
        } catch (RuntimeException e) {
            LOG.error("session {}: local handler failed", id, e);
            closeNow();
            return;
        }
        afterEvent();
    }

    /** One side ended: write what is pending to the other, then close both. */
    private void relayEnded() {
        if (state != State.RELAY) {
            return;
        }
        state = State.CLOSING;
        status.state(SessionInfo.State.CLOSING);
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
        status.state(SessionInfo.State.CLOSING);
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
        if (local != null) {
            try {
                local.closed();
            } catch (RuntimeException e) {
                LOG.warn("session {}: local handler failed on close", id, e);
            }
        }
        try {
            if (handler != null) {
                handler.onClosed();
            }
        } catch (RuntimeException e) {
            LOG.warn("session {}: protocol handler failed on close", id, e);
        }
        reportDecision();
        long fromClient = relay != null ? relay.clientBytes() : local != null ? local.fromClient() : 0;
        long toClient = relay != null ? relay.backendBytes() : local != null ? local.toClient() : 0;
        view.reportClosed(backendAddress, relay != null, fromClient, toClient, Duration.ofNanos(System.nanoTime() - startNanos));
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
