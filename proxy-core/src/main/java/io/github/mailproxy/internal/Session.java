package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.SessionSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session: the client socket, at most one backend socket, the protocol's handlers, and
 * after login the two relay pipes. Every method runs on the session's loop.
 */
final class Session implements ClientSession {

    private enum State { TLS_ACCEPT, PRELOGIN, RELAY, CLOSING, CLOSED }

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int READS_PER_EVENT = 16;
    private static final int MAX_PIECE_EXTENSIONS = 8;

    private final Engine engine;
    private final EventLoop loop;
    private final BufferPool pool;
    private final Listener listener;
    private final String id;
    private final Endpoint client;
    /** The address the connection comes from, as accepted: what connection limits count. */
    private final InetSocketAddress peerAddress;
    /** The client's address as the session reports it: the peer, or the client a trusted peer speaks for. */
    private InetSocketAddress clientAddress;
    private int incomingProxyTtl = -1;
    private final InetSocketAddress localAddress;
    private final long startNanos = System.nanoTime();
    private ClientHandler handler;
    private State state;

    private Endpoint backend;
    private BackendHandler backendHandler;
    private BackendLink backendLink;
    private BackendTarget target;
    private int hostIndex;
    private int connectAttempt;
    private InetSocketAddress backendAddress;
    private EventLoop.Timer connectTimer;

    private boolean dispatching;
    private boolean tlsRequested;
    private boolean relayRequested;
    private boolean backendTlsRequested;
    private boolean resumeScheduled;
    private Pipe c2b;
    private Pipe b2c;
    private EventLoop.Timer loginTimer;
    private EventLoop.Timer idleTimer;
    private long lastClientInput = System.nanoTime();
    private EventLoop.Timer closeTimer;
    private String user;
    private Outcome outcome = Outcome.NO_LOGIN;
    /**
     * Keyed hash of the credentials of the login last decided, for the auth penalty when it fails
     * (by the strategy or, later, by the backend); {@link AuthPenalty#UNKNOWN} when none is pending.
     */
    private long pendingCredentials = AuthPenalty.UNKNOWN;

    Session(Engine engine, EventLoop loop, Listener listener, SocketChannel channel, String id) throws IOException {
        this.engine = engine;
        this.loop = loop;
        this.pool = loop.pool();
        this.listener = listener;
        this.id = id;
        this.client = new Endpoint(channel, engine.queuedReplyBytes());
        this.peerAddress = (InetSocketAddress) channel.getRemoteAddress();
        this.clientAddress = peerAddress;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    }

    /**
     * Registers the client socket and greets, or starts the implicit TLS handshake.
     *
     * @param overloaded whether a connection limit is reached: then the client is only told to come back
     */
    void open(boolean overloaded) throws IOException {
        client.key = loop.register(client.channel, SelectionKey.OP_READ, key -> onReady(client, key));
        loginTimer = loop.schedule(engine.config().loginTimeout().toNanos(), this::onLoginTimeout);
        idleTimer = loop.schedule(engine.config().idleTimeout().toNanos(), this::onIdleCheck);
        handler = listener.protocol().newClientHandler(this);
        if (overloaded) {
            engine.refused("connection-limit");
            if (listener.tlsMode() == TlsMode.IMPLICIT) {
                closeNow();
                return;
            }
            state = State.PRELOGIN;
            handler.onOverloaded();
            close();
            return;
        }
        if (listener.tlsMode() == TlsMode.IMPLICIT) {
            state = State.TLS_ACCEPT;
            beginTls(client, serverEngine());
        } else {
            state = State.PRELOGIN;
            handler.onOpen();
            updateClientInterest();
        }
    }

    // ---- ClientSession ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public String protocol() {
        return listener.protocol().name();
    }

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** @return the address the connection was accepted from, whatever a trusted client says */
    InetSocketAddress peerAddress() {
        return peerAddress;
    }

    @Override
    public boolean clientTrusted() {
        return engine.config().loginTrustedNetworks().contains(peerAddress.getAddress());
    }

    @Override
    public void originatingClient(InetSocketAddress address) {
        if (!clientTrusted()) {
            LOG.info("session {}: ignoring the originating address of an untrusted client", id);
            return;
        }
        clientAddress = address;
    }

    @Override
    public void incomingProxyTtl(int ttl) {
        if (clientTrusted()) {
            incomingProxyTtl = Math.max(0, ttl);
        }
    }

    @Override
    public int proxyTtl() {
        return incomingProxyTtl >= 0 ? incomingProxyTtl : engine.config().proxyTtl();
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean secured() {
        return client.transport.secured();
    }

    @Override
    public boolean startTlsAvailable() {
        return listener.tlsMode() == TlsMode.STARTTLS && !secured() && !tlsRequested;
    }

    @Override
    public boolean plaintextAuthAllowed() {
        PlaintextAuth policy = engine.config().plaintextAuth();
        return switch (policy) {
            case ALWAYS -> true;
            case TLS_ONLY -> secured();
            // as Dovecot's "secured": the connection itself (not a client a trusted peer names) is
            // encrypted, local, or from the login trusted networks
            case TLS_OR_LOOPBACK -> secured() || peerAddress.getAddress().isLoopbackAddress() || clientTrusted();
        };
    }

    @Override
    public Set<String> mechanisms() {
        Set<String> all = engine.config().authStrategy().mechanisms();
        if (plaintextAuthAllowed()) {
            return all;
        }
        Set<String> kept = new LinkedHashSet<>(all);
        kept.remove("PLAIN");
        kept.remove("LOGIN");
        return kept;
    }

    @Override
    public SessionSettings settings() {
        return engine.sessionSettings();
    }

    @Override
    public List<String> filterCapabilities(CapabilityFilter.Phase phase, List<String> capabilities) {
        return engine.config().capabilityFilter().filter(phase, protocol(), capabilities);
    }

    @Override
    public void write(byte[] bytes) {
        if (state == State.CLOSED || state == State.RELAY) {
            return;
        }
        client.queue(bytes);
        if (client.handshaking || tlsRequested) {
            return;
        }
        try {
            client.flushOut();
            updateClientInterest();
        } catch (IOException e) {
            LOG.debug("session {}: write to client failed: {}", id, e.toString());
            closeNow();
        }
    }

    @Override
    public void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void pauseInput() {
        client.paused = true;
        updateClientInterest();
    }

    @Override
    public void resumeInput() {
        if (!client.paused || state != State.PRELOGIN) {
            return;
        }
        client.paused = false;
        scheduleResume();
    }

    private void resume() {
        resumeScheduled = false;
        if (state != State.PRELOGIN || client.paused) {
            return;
        }
        try {
            dispatch(client);
            readInput(client);
            afterEvent();
        } catch (IOException e) {
            LOG.debug("session {}: client read failed: {}", id, e.toString());
            closeNow();
        } catch (RuntimeException e) {
            handlerFailed(e);
        }
    }

    @Override
    public void startTls() {
        if (!startTlsAvailable()) {
            throw new IllegalStateException("STARTTLS is not available on this session");
        }
        tlsRequested = true;
        client.paused = true;
        if (!dispatching) {
            afterDispatch();
        }
    }

    @Override
    public AuthRequest authRequest(String user, String password, String mechanism) {
        return new AuthRequest(protocol(), user, password, mechanism, clientAddress, localAddress, secured(), id);
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        return decide(request, passDbLookup(request));
    }

    @Override
    public CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
        return decide(request, CompletableFuture.completedFuture(result));
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        CompletableFuture<PassDbResult> done = new CompletableFuture<>();
        passDbLookup(request).whenComplete((result, failure) -> loop.execute(() -> {
            if (failure != null || result == null) {
                LOG.warn("session {}: passdb lookup failed: {}", id,
                        failure == null ? "null result" : failure.getClass().getName());
                done.complete(PassDbResult.temporaryFailure("passdb lookup failed"));
            } else {
                done.complete(result);
            }
        }));
        return done;
    }

    @Override
    public io.github.mailproxy.PasswordScheme passwordScheme() {
        return engine.config().authStrategy().passwordScheme();
    }

    @Override
    public <T> CompletionStage<T> offload(java.util.function.Supplier<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            CompletableFuture.supplyAsync(work, PasswordCheck.HASHING).whenComplete((value, failure) -> loop.execute(() -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    done.complete(value);
                }
            }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private CompletionStage<PassDbResult> passDbLookup(AuthRequest request) {
        if (!clientTrusted() && !engine.loginAllowed(clientAddress.getAddress())) {
            engine.refused("login-rate");
            return CompletableFuture.completedFuture(PassDbResult.temporaryFailure("login rate limit of the client's address"));
        }
        CompletionStage<PassDbResult> stage;
        try {
            stage = engine.passDb().lookup(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("PassDb returned null"));
        }
        // a copy, so that the timeout never completes the PassDb's own future
        CompletableFuture<PassDbResult> bounded = new CompletableFuture<>();
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                bounded.completeExceptionally(failure);
            } else {
                bounded.complete(result);
            }
        });
        return bounded.orTimeout(engine.config().passDbTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletionStage<AuthDecision> decide(AuthRequest request, CompletionStage<PassDbResult> lookup) {
        CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
        lookup.thenCompose(result -> {
            if (result == null) {
                throw new IllegalStateException("PassDb returned null");
            }
            return engine.config().authStrategy().decide(request, result);
        }).whenComplete((d, failure) -> loop.execute(() -> {
            AuthDecision done = d;
            if (failure != null || done == null) {
                // the exception's text may carry what the PassDb was given: log its type only
                LOG.warn("session {}: authentication failed temporarily: {}", id,
                        failure == null ? "no decision" : failure.getClass().getName());
                done = new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null);
            }
            AuthDecision result = done;
            boolean refused = result instanceof AuthDecision.Reject r && r.failure() == AuthDecision.Failure.AUTH_FAILED;
            // a proxied login may still be refused by the backend: remember its credentials for the penalty
            pendingCredentials = refused || result instanceof AuthDecision.Proxy
                    ? engine.authPenalty().credentials(request) : AuthPenalty.UNKNOWN;
            if (refused) {
                afterFailureDelay(() -> decision.complete(result));
            } else {
                decision.complete(result);
            }
        }));
        return decision;
    }

    /**
     * Every failed login's reply comes through here, whoever refused it (the strategy, the backend, a
     * SASL exchange), so this is where the failure is counted for the client's address.
     */
    @Override
    public void afterFailureDelay(Runnable reply) {
        long credentials = pendingCredentials;
        pendingCredentials = AuthPenalty.UNKNOWN;
        Duration delay = clientTrusted() ? engine.config().authFailureDelay()
                : engine.authPenalty().failed(clientAddress.getAddress(), credentials);
        LOG.debug("session {}: failed login answered after {} ms", id, delay.toMillis());
        if (delay.isZero()) {
            reply.run();
            return;
        }
        Runnable guarded = () -> {
            if (state != State.CLOSED) {
                reply.run();
            }
        };
        engine.config().scheduler().schedule(loop, guarded, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void user(String user) {
        this.user = user;
    }

    @Override
    public void outcome(Outcome outcome) {
        this.outcome = outcome;
    }

    @Override
    public void connectBackend(BackendTarget target, BackendHandler handler) {
        if (state != State.PRELOGIN) {
            return;
        }
        closeBackend();
        this.target = target;
        this.backendHandler = handler;
        this.hostIndex = 0;
        if (proxyTtl() <= 0) {
            // Dovecot's x-proxy-ttl: every proxy on the way took one off, so the logins go round in circles
            LOG.warn("proxy loop session={} backend={} cause=proxy-ttl-exhausted", id,
                    Text.printable(String.join(",", target.hosts())));
            int attempt = ++connectAttempt;
            // answered on the next pass, not inside the handler's own call
            loop.execute(() -> {
                if (attempt == connectAttempt && backendHandler == handler && state == State.PRELOGIN) {
                    backendHandler = null;
                    handler.onConnectFailed(new IOException("proxy loop: proxy TTL exhausted"));
                }
            });
            return;
        }
        tryHost();
    }

    @Override
    public void startRelay(BackendConnection connection) {
        if (connection != backendLink || backend == null) {
            throw new IllegalArgumentException("not this session's backend connection");
        }
        relayRequested = true;
        if (!dispatching) {
            afterDispatch();
        }
    }

    @Override
    public void close() {
        if (state == State.CLOSED || state == State.CLOSING) {
            return;
        }
        if (state != State.RELAY) {
            closeBackend();
        }
        state = State.CLOSING;
        client.wantRead = false;
        if (!client.outputPending()) {
            closeNow();
            return;
        }
        closeTimer = loop.schedule(CLOSE_GRACE_NANOS, this::closeNow);
        updateClientInterest();
    }

    // ---- engine calls ----

    /** The server is shutting down. */
    void shutdown() {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.PRELOGIN) {
            outcome = Outcome.SHUTDOWN;
            try {
                handler.onShutdown();
            } catch (RuntimeException e) {
                LOG.warn("session {}: protocol handler failed on shutdown", id, e);
            }
            close();
        } else if (state != State.RELAY) {
            // relayed sessions go on until the shutdown deadline (flushAndClose)
            outcome = Outcome.SHUTDOWN;
            closeNow();
        }
    }

    /** The shutdown deadline has passed: write what was already read to its other side, then close. */
    void flushAndClose() {
        if (state == State.RELAY) {
            outcome = Outcome.SHUTDOWN;  // cut by the server, not ended by either side
        }
        if (state == State.RELAY || (state == State.CLOSING && c2b != null)) {
            try {
                c2b.drain();
                b2c.drain();
            } catch (IOException e) {
                LOG.debug("session {}: last flush failed: {}", id, e.toString());
            }
        }
        closeNow();
    }

    // ---- I/O events ----

    private void onReady(Endpoint ep, SelectionKey key) {
        if (state == State.CLOSED || ep.closed) {
            key.cancel();
            return;
        }
        try {
            int ops = key.readyOps();
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                finishConnect(ep);
                return;
            }
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
            handlerFailed(e);
        }
    }

    /**
     * A paused client (waiting for the PassDb or the backend login), or one whose replies are held
     * back, is still read from, into its bounded buffer, so that a client that goes away is noticed
     * at once and not at a timeout. Once held-back replies have drained, buffered input is offered
     * again.
     */
    private void updateClientInterest() {
        boolean wasHeld = client.outputHeld;
        boolean held = holdClientInput();
        client.watchWhilePaused = state == State.PRELOGIN && !tlsRequested
                && (client.in == null || client.in.hasRemaining());
        client.updateInterest();
        if (wasHeld && !held && state == State.PRELOGIN && !client.paused) {
            scheduleResume();
        }
    }

    /**
     * Before login a client can make us write far more than it sends (pipelined CAPABILITY) without
     * ever reading; past the bound its input waits until the replies drain. After login the relay
     * pipes apply backpressure of their own, per direction, so this bound would only couple them.
     *
     * @return whether the client's unsent replies are over the bound; kept in {@code client.outputHeld}
     */
    private boolean holdClientInput() {
        boolean held = (state == State.PRELOGIN || state == State.TLS_ACCEPT)
                && client.unsentBytes() > engine.config().maxPendingOutput();
        client.outputHeld = held;
        return held;
    }

    private void scheduleResume() {
        if (!resumeScheduled) {
            resumeScheduled = true;
            loop.execute(this::resume);
        }
    }

    /** Sets interest ops, and makes sure input decrypted ahead (invisible to the selector) gets read. */
    private void afterEvent() {
        if (state == State.CLOSED) {
            return;
        }
        updateClientInterest();
        scheduleBufferedRead(client);
        if (backend != null) {
            backend.updateInterest();
            scheduleBufferedRead(backend);
        }
    }

    private void scheduleBufferedRead(Endpoint ep) {
        if (ep.bufferedReadScheduled || ep.closed || ep.paused || ep.outputHeld || ep.handshaking || !ep.wantRead
                || !ep.transport.hasBufferedInput()) {
            return;
        }
        if (state != State.PRELOGIN && state != State.RELAY) {
            return;
        }
        ep.bufferedReadScheduled = true;
        loop.execute(() -> {
            ep.bufferedReadScheduled = false;
            if (state == State.CLOSED || ep.closed) {
                return;
            }
            try {
                readable(ep);
                afterEvent();
            } catch (IOException e) {
                LOG.debug("session {}: read failed: {}", id, e.toString());
                ioFailed(ep);
            } catch (RuntimeException e) {
                handlerFailed(e);
            }
        });
    }

    private void ioFailed(Endpoint ep) {
        if (ep == backend && state == State.PRELOGIN) {
            backendLost();
        } else {
            closeNow();
        }
    }

    private void handlerFailed(RuntimeException e) {
        LOG.error("session {}: unexpected error; closing the session", id, e);
        closeNow();
    }

    private void readable(Endpoint ep) throws IOException {
        if (ep.handshaking) {
            continueHandshake(ep);
            return;
        }
        switch (state) {
            case RELAY -> {
                Pipe p = ep == client ? c2b : b2c;
                p.onSourceReadable();
                if (p.srcEof) {
                    relayEnded();
                }
            }
            case PRELOGIN -> readInput(ep);
            default -> ep.wantRead = false;
        }
    }

    private void writable(Endpoint ep) throws IOException {
        if (ep.handshaking) {
            continueHandshake(ep);
            if (ep.handshaking) {
                return;
            }
        }
        if (state == State.RELAY || (state == State.CLOSING && c2b != null)) {
            Pipe p = ep == client ? b2c : c2b;
            if (p.drain() && state == State.RELAY) {
                p.onSourceReadable();
                if (p.srcEof) {
                    relayEnded();
                }
            }
        } else {
            if (ep.flushOut() && tlsRequested && ep == client) {
                startTlsNow();
            }
        }
        if (state == State.CLOSING && !pendingOutput()) {
            closeNow();
        }
    }

    private boolean pendingOutput() {
        return client.outputPending() || (c2b != null && backend != null && backend.outputPending());
    }

    private void readInput(Endpoint ep) throws IOException {
        for (int i = 0; i < READS_PER_EVENT; i++) {
            if (ep.closed || state != State.PRELOGIN) {
                return;
            }
            if (ep.paused || (ep == client && holdClientInput())) {
                watchPaused(ep);
                return;
            }
            if (ep.in == null) {
                ep.in = pool.acquire();
            } else if (!ep.in.hasRemaining() && !grow(ep)) {
                return;
            }
            int n = ep.transport.read(ep.in);
            if (n < 0) {
                releaseIfEmpty(ep);
                endOfInput(ep);
                return;
            }
            if (n == 0) {
                releaseIfEmpty(ep);
                return;
            }
            if (ep == client) {
                lastClientInput = System.nanoTime();
            }
            dispatch(ep);
        }
    }

    /** Reads a paused client's input into its buffer without handing it on; notices the end of the stream. */
    private void watchPaused(Endpoint ep) throws IOException {
        if (ep != client || tlsRequested) {
            return;
        }
        if (ep.in == null) {
            ep.in = pool.acquire();
        } else if (!ep.in.hasRemaining()) {
            return;
        }
        int n = ep.transport.read(ep.in);
        if (n < 0) {
            releaseIfEmpty(ep);
            LOG.debug("session {}: the client left while its login was in progress", id);
            endOfInput(ep);
            return;
        }
        if (n > 0) {
            lastClientInput = System.nanoTime();
        }
        releaseIfEmpty(ep);
    }

    /** A buffer full of one unfinished frame: make room, within the configured limits. */
    private boolean grow(Endpoint ep) {
        int max = engine.config().maxLineLength() + engine.config().maxLiteralSize() + pool.bufferSize();
        if (ep.in.capacity() >= max) {
            LOG.warn("session {}: unconsumed input over {} bytes; closing", id, max);
            closeNow();
            return false;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(max, ep.in.capacity() * 2));
        ep.in.flip();
        bigger.put(ep.in);
        if (ep.in.isDirect()) {
            pool.release(ep.in);
        }
        ep.in = bigger;
        return true;
    }

    private void releaseIfEmpty(Endpoint ep) {
        if (ep.in != null && ep.in.position() == 0) {
            if (ep.in.isDirect()) {
                pool.release(ep.in);
            }
            ep.in = null;
        }
    }

    private void dispatch(Endpoint ep) {
        ByteBuffer in = ep.in;
        if (in == null || in.position() == 0) {
            return;
        }
        in.flip();
        dispatching = true;
        try {
            if (ep == client) {
                offerToClient(in);
            } else if (backendHandler != null) {
                backendHandler.onInput(in);
            }
        } finally {
            dispatching = false;
            if (ep.in == in) {
                in.compact();
                releaseIfEmpty(ep);
            }
        }
        afterDispatch();
    }

    /**
     * Hands client input to the protocol handler a line at a time, so that the replies to pipelined
     * commands stop at the output bound rather than at the end of the buffer. To the handler this is
     * input arriving in pieces, which it handles anyway. A frame longer than a line (a command with
     * literals) is offered in growing pieces; after {@link #MAX_PIECE_EXTENSIONS} the whole rest is
     * offered, so a handler that rescans its frame is called a bounded number of times.
     *
     * @param in the client's input in read mode; its limit is restored on return
     */
    private void offerToClient(ByteBuffer in) {
        int end = in.limit();
        int pieceEnd = in.position();
        int extensions = 0;
        while (in.hasRemaining() && clientMayGoOn()) {
            int start = in.position();
            pieceEnd = extensions < MAX_PIECE_EXTENSIONS ? lineEnd(in, Math.max(start, pieceEnd), end) : end;
            in.limit(pieceEnd);
            try {
                handler.onInput(in);
            } finally {
                // once the session closed, the buffer is back in the pool: not ours to touch
                if (client.in == in) {
                    in.limit(end);
                }
            }
            if (client.in != in) {
                return;
            }
            if (in.position() > start) {
                extensions = 0;
            } else if (pieceEnd == end) {
                return; // all of it offered, no whole frame yet
            } else {
                extensions++;
            }
        }
    }

    private boolean clientMayGoOn() {
        return state == State.PRELOGIN && !client.paused && !client.closed && !tlsRequested && !relayRequested
                && !holdClientInput();
    }

    /** @return the index after the first LF at or after {@code from}, or {@code end} if there is none */
    private static int lineEnd(ByteBuffer in, int from, int end) {
        for (int i = from; i < end; i++) {
            if (in.get(i) == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    private void afterDispatch() {
        if (state != State.PRELOGIN) {
            return;
        }
        if (backendTlsRequested) {
            backendTlsRequested = false;
            startBackendTls();
        }
        if (relayRequested) {
            relayRequested = false;
            startRelayNow();
        } else if (tlsRequested) {
            if (client.in != null) {
                // RFC 3207 section 4.2 / RFC 2595: nothing sent before the handshake may be used after it
                releaseIfEmpty(client);
                if (client.in != null) {
                    if (client.in.isDirect()) {
                        pool.release(client.in);
                    }
                    client.in = null;
                }
            }
            try {
                if (client.flushOut()) {
                    startTlsNow();
                }
                updateClientInterest();
            } catch (IOException e) {
                closeNow();
            }
        }
    }

    private void endOfInput(Endpoint ep) {
        if (ep == client) {
            closeNow();
        } else {
            backendLost();
        }
    }

    /** Pre-login idle check: fires at the idle deadline, re-arms itself if the client spoke meanwhile. */
    private void onIdleCheck() {
        if (state != State.PRELOGIN && state != State.TLS_ACCEPT) {
            return;
        }
        long idle = engine.config().idleTimeout().toNanos();
        long silent = System.nanoTime() - lastClientInput;
        if (silent < idle || client.paused) {
            // a paused client is waiting for us (PassDb, backend), not idling
            idleTimer = loop.schedule(Math.max(idle - silent, idle / 4), this::onIdleCheck);
            return;
        }
        onLoginTimeout();
    }

    private void onLoginTimeout() {
        if (state == State.PRELOGIN || state == State.TLS_ACCEPT) {
            outcome = Outcome.TIMEOUT;
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

    // ---- TLS ----

    private SSLEngine serverEngine() {
        SSLEngine e = listener.sslContext().createSSLEngine();
        e.setUseClientMode(false);
        engine.restrictProtocols(e);
        return e;
    }

    private void startTlsNow() throws IOException {
        tlsRequested = false;
        client.paused = false;
        beginTls(client, serverEngine());
    }

    private void beginTls(Endpoint ep, SSLEngine sslEngine) throws IOException {
        ep.transport = new TlsTransport(ep.channel, sslEngine, pool);
        ep.handshaking = true;
        continueHandshake(ep);
    }

    private void continueHandshake(Endpoint ep) throws IOException {
        TlsTransport tls = (TlsTransport) ep.transport;
        if (!tls.handshake()) {
            ep.updateInterest();
            return;
        }
        ep.handshaking = false;
        tls.flush();
        if (ep == client) {
            if (state == State.TLS_ACCEPT) {
                state = State.PRELOGIN;
                handler.onOpen();
            }
            if (state == State.PRELOGIN && tls.hasBufferedInput()) {
                readInput(client);
            }
        } else if (backendHandler != null) {
            if (target.tls() == TlsMode.IMPLICIT) {
                backendHandler.onConnected(backendLink);
            } else {
                backendHandler.onSecured();
            }
            if (backend != null && tls.hasBufferedInput()) {
                readInput(backend);
            }
        }
        ep.updateInterest();
    }

    // ---- backend ----

    private void tryHost() {
        if (hostIndex >= target.hosts().size()) {
            return;
        }
        String host = target.hosts().get(hostIndex);
        int port = target.port() > 0 ? target.port() : listener.protocol().defaultBackendPort();
        int attempt = ++connectAttempt;
        if (isAddressLiteral(host)) {
            try {
                connectTo(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                connectFailed(e);
            }
            return;
        }
        // Name lookups may block: never on the loop.
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(host, port), engine.resolver())
                .whenComplete((address, failure) -> loop.execute(() -> {
                    if (attempt != connectAttempt || state != State.PRELOGIN) {
                        return;
                    }
                    if (failure != null || address.isUnresolved()) {
                        connectFailed(new IOException("cannot resolve backend host " + host));
                    } else {
                        try {
                            connectTo(address);
                        } catch (IOException e) {
                            connectFailed(e);
                        }
                    }
                }));
    }

    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private void connectTo(InetSocketAddress address) throws IOException {
        if (engine.isOwnListener(address)) {
            LOG.warn("proxy loop session={} backend={} cause=own-listener", id, Text.address(address));
            backendAddress = address;
            int attempt = connectAttempt;
            // as a refused connection, but answered on the next pass, not inside the handler's own call
            loop.execute(() -> {
                if (attempt == connectAttempt && backend == null && state == State.PRELOGIN) {
                    connectFailed(new IOException("proxy loop: " + Text.address(address) + " is this proxy"));
                }
            });
            return;
        }
        SocketChannel channel = SocketChannel.open();
        Endpoint ep = new Endpoint(channel, engine.queuedReplyBytes());
        backend = ep;
        engine.backendOpened();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        backendAddress = address;
        ep.key = loop.register(channel, 0, key -> onReady(ep, key));
        if (channel.connect(address)) {
            connected(ep);
        } else {
            ep.key.interestOps(SelectionKey.OP_CONNECT);
            connectTimer = loop.schedule(backendTimeout().toNanos(), () -> {
                if (backend == ep && ep.key.interestOps() == SelectionKey.OP_CONNECT) {
                    connectFailed(new SocketTimeoutException("connect to " + Text.address(address) + " timed out"));
                }
            });
        }
    }

    private Duration backendTimeout() {
        return target.connectTimeout() != null ? target.connectTimeout() : engine.config().backendConnectTimeout();
    }

    private void finishConnect(Endpoint ep) throws IOException {
        try {
            if (ep.channel.finishConnect()) {
                connected(ep);
            }
        } catch (IOException e) {
            connectFailed(e);
        }
    }

    private void connected(Endpoint ep) throws IOException {
        if (connectTimer != null) {
            connectTimer.cancel();
        }
        // As Dovecot's proxy_timeout, the same time bounds the backend's greeting and login.
        connectTimer = loop.schedule(backendTimeout().toNanos(), () -> {
            if (backend == ep && state == State.PRELOGIN) {
                LOG.info("session={} msg=\"backend did not complete the login in time\" backend={}", id, Text.logAddress(backendAddress));
                backendLost();
            }
        });
        ep.key.interestOps(SelectionKey.OP_READ);
        backendLink = new BackendLink(ep);
        switch (target.tls()) {
            case IMPLICIT -> beginTls(ep, clientEngine());
            default -> backendHandler.onConnected(backendLink);
        }
    }

    /** A client-mode engine for the backend, verifying its certificate against the host name given. */
    private SSLEngine clientEngine() {
        String host = target.hosts().get(Math.min(hostIndex, target.hosts().size() - 1));
        SSLEngine e = engine.backendSslContext(target.anyCert()).createSSLEngine(host, backendAddress.getPort());
        e.setUseClientMode(true);
        engine.restrictProtocols(e);
        if (!target.anyCert()) {
            javax.net.ssl.SSLParameters params = e.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            e.setSSLParameters(params);
        }
        return e;
    }

    private void startBackendTls() {
        if (backend == null || backend.closed || backend.transport.secured()) {
            return;
        }
        if (backend.in != null) {
            if (backend.in.isDirect()) {
                pool.release(backend.in);
            }
            backend.in = null;
        }
        try {
            beginTls(backend, clientEngine());
            afterEvent();
        } catch (IOException e) {
            LOG.debug("session {}: backend TLS failed: {}", id, e.toString());
            backendLost();
        }
    }

    private void connectFailed(IOException cause) {
        LOG.debug("session={} msg=\"backend connection failed\" backend={} error={}", id,
                Text.logAddress(backendAddress), Text.logValue(cause.toString()));
        BackendHandler h = backendHandler;
        closeBackendSocket();
        hostIndex++;
        if (target != null && hostIndex < target.hosts().size()) {
            tryHost();
        } else if (h != null) {
            backendHandler = null;
            h.onConnectFailed(cause);
        }
    }

    private void backendLost() {
        BackendHandler h = backendHandler;
        closeBackend();
        if (h != null) {
            h.onClosed();
        }
    }

    private void closeBackend() {
        backendHandler = null;
        closeBackendSocket();
    }

    private void closeBackendSocket() {
        if (connectTimer != null) {
            connectTimer.cancel();
            connectTimer = null;
        }
        if (backend != null) {
            backend.close(pool);
            engine.backendClosed();
            backend = null;
        }
        backendLink = null;
    }

    /** The protocol's view of the backend socket during login. */
    private final class BackendLink implements BackendConnection {
        private final Endpoint ep;

        BackendLink(Endpoint ep) {
            this.ep = ep;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return backendAddress;
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
            if (ep.closed || state != State.PRELOGIN) {
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
                LOG.debug("session {}: write to backend failed: {}", id, e.toString());
                loop.execute(() -> {
                    if (backend == ep) {
                        backendLost();
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
            backendTlsRequested = true;
            if (!dispatching) {
                afterDispatch();
            }
        }

        @Override
        public void close() {
            if (backend == ep) {
                closeBackend();
            }
        }
    }

    // ---- relay ----

    private void startRelayNow() {
        state = State.RELAY;
        outcome = Outcome.PROXIED;
        if (!clientTrusted()) {
            engine.authPenalty().succeeded(clientAddress.getAddress());
        }
        if (loginTimer != null) {
            loginTimer.cancel();
        }
        if (idleTimer != null) {
            idleTimer.cancel();
        }
        backendHandler = null;
        if (connectTimer != null) {
            connectTimer.cancel();
            connectTimer = null;
        }
        c2b = new Pipe(client, backend, pool);
        b2c = new Pipe(backend, client, pool);
        if (client.in != null) {
            c2b.adopt(client.in);
            client.in = null;
        }
        if (backend.in != null) {
            b2c.adopt(backend.in);
            backend.in = null;
        }
        client.paused = false;
        backend.paused = false;
        try {
            kick(c2b);
            if (state == State.RELAY) {
                kick(b2c);
            }
        } catch (IOException e) {
            LOG.debug("session {}: relay failed at start: {}", id, e.toString());
            closeNow();
            return;
        }
        afterEvent();
    }

    private void kick(Pipe p) throws IOException {
        if (p.drain() && p.src.transport.hasBufferedInput()) {
            p.onSourceReadable();
            if (p.srcEof) {
                relayEnded();
            }
        }
    }

    /** One side ended: write what is pending to the other, then close both. */
    private void relayEnded() {
        if (state != State.RELAY) {
            return;
        }
        state = State.CLOSING;
        client.wantRead = false;
        backend.wantRead = false;
        if (!c2b.pending() && !b2c.pending() && !pendingOutput()) {
            closeNow();
            return;
        }
        closeTimer = loop.schedule(CLOSE_GRACE_NANOS, this::closeNow);
    }

    // ---- close ----

    /** Closes both sockets at once, gives every buffer back and reports the session. Idempotent. */
    void closeNow() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (loginTimer != null) {
            loginTimer.cancel();
        }
        if (idleTimer != null) {
            idleTimer.cancel();
        }
        if (closeTimer != null) {
            closeTimer.cancel();
        }
        if (c2b != null) {
            c2b.close();
            b2c.close();
        }
        client.close(pool);
        closeBackend();
        engine.sessionClosed(this, loop);
        try {
            if (handler != null) {
                handler.onClosed();
            }
        } catch (RuntimeException e) {
            LOG.warn("session {}: protocol handler failed on close", id, e);
        }
        SessionEvent event = new SessionEvent(id, protocol(), user, clientAddress,
                c2b != null || outcome == Outcome.PROXIED ? backendAddress : null,
                c2b == null ? 0 : c2b.bytes, b2c == null ? 0 : b2c.bytes,
                Duration.ofNanos(System.nanoTime() - startNanos), outcome);
        try {
            engine.config().sessionListener().sessionClosed(event);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed", e);
        }
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + protocol() + ", " + Text.address(clientAddress) + ", " + state + "]";
    }
}
