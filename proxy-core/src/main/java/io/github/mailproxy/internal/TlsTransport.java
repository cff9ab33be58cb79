package io.github.mailproxy.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking channel with any {@link SSLEngine} (the JDK's, Conscrypt's, ...), relying
 * only on the engine's contract: the handshake is driven by {@link #handshake()} from the status the
 * engine reports, never from how many bytes a call moved (an engine may finish the handshake in a
 * call that moves none, or return application data in the call that finishes it);
 * {@code BUFFER_OVERFLOW} drains or grows the destination, {@code BUFFER_UNDERFLOW} reads more or
 * grows the source; delegated tasks run inline (CPU work on small keys, never I/O); closing sends
 * {@code close_notify} and a received one ends the input.
 *
 * <p>Buffers: {@code netIn} (received records), {@code netOut} (records not yet sent) and
 * {@code appIn} (decrypted bytes the caller had no room for) are taken from the pool only while
 * they hold bytes and given back as soon as they are empty, so an idle TLS session holds none. A
 * pool buffer holds a record and its plaintext of both providers; if an engine ever asks for more,
 * the buffer is replaced by a larger heap buffer, which is never given to the pool. All three are
 * kept in write mode: their bytes are {@code [0, position)}.
 */
final class TlsTransport implements Transport {

    private enum Step { OK, NEED_READ, OVERFLOW, CLOSED }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Engine calls in a row that change nothing before the engine is deemed stuck (a bug, not a peer). */
    private static final int MAX_IDLE_CALLS = 16;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final BufferPool pool;
    private int appSize;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private boolean handshakeDone;
    private boolean inboundDone;
    private boolean outboundClosed;
    private boolean eof;
    /** netIn holds only part of a record and the socket had nothing more: wait for the selector. */
    private boolean starved;
    /** The engine returned part of a record's plaintext for want of room; it holds the rest. */
    private boolean engineHoldsInput;
    /** Plaintext bytes the last unwrap produced. */
    private int lastProduced;
    /** Engine calls in a row, within one call of this transport, that moved nothing. */
    private int idleCalls;

    TlsTransport(SocketChannel channel, SSLEngine engine, BufferPool pool) throws SSLException {
        this.channel = channel;
        this.engine = engine;
        this.pool = pool;
        this.appSize = engine.getSession().getApplicationBufferSize();
        engine.beginHandshake();
    }

    /**
     * Advances the handshake as far as the socket allows.
     *
     * @return true once the handshake is complete (records may still wait in {@link #needsWrite()})
     * @throws IOException when the handshake fails or the peer goes away
     */
    boolean handshake() throws IOException {
        idleCalls = 0;
        for (;;) {
            switch (engine.getHandshakeStatus()) {
                case NOT_HANDSHAKING:
                case FINISHED:
                    handshakeDone = true;
                    idleCalls = 0;
                    return true;
                case NEED_TASK:
                    runTasks();
                    break;
                case NEED_WRAP:
                    if (!wrap(EMPTY)) {
                        return false;
                    }
                    break;
                default: // NEED_UNWRAP, NEED_UNWRAP_AGAIN
                    if (appIn == null) {
                        appIn = pool.acquire();
                    }
                    Step step = unwrap(appIn);
                    releaseIfEmpty();
                    if (step == Step.CLOSED) {
                        throw new SSLException("peer closed the connection during the TLS handshake");
                    }
                    if (step == Step.NEED_READ) {
                        if (eof) {
                            throw new EOFException("peer closed the connection during the TLS handshake");
                        }
                        return false;
                    }
                    if (step == Step.OVERFLOW && lastProduced == 0 && !growAppIn()) {
                        throw new SSLException("too much application data during the TLS handshake");
                    }
                    // application data that came with the last handshake records stays in appIn
                    break;
            }
        }
    }

    /**
     * @return the host name the client asked for in its handshake (SNI), or null when it sent none or
     *         the provider does not report it
     */
    String requestedServerName() {
        if (engine.getSession() instanceof javax.net.ssl.ExtendedSSLSession s) {
            for (javax.net.ssl.SNIServerName name : s.getRequestedServerNames()) {
                if (name instanceof javax.net.ssl.SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }

    /** @return whether the handshake has completed once */
    boolean handshakeDone() {
        return handshakeDone;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        idleCalls = 0;
        int start = dst.position();
        moveAppIn(dst);
        while (dst.hasRemaining() && !inboundDone) {
            if (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
                // (post-handshake messages, a renegotiation) what came with it goes first
                boolean done = handshake();
                moveAppIn(dst);
                if (!done) {
                    break;
                }
                continue;
            }
            // straight into the caller's buffer when the engine's largest plaintext fits in it and
            // nothing decrypted earlier waits in appIn
            boolean direct = dst.remaining() >= appSize && (appIn == null || appIn.position() == 0);
            if (!direct && appIn == null) {
                appIn = pool.acquire();
            }
            Step step = unwrap(direct ? dst : appIn);
            if (!direct) {
                moveAppIn(dst);
            }
            if (step == Step.OVERFLOW && lastProduced == 0) {
                // the engine wants more room than it said it would: from now on through appIn, made
                // as large as the engine says now
                if (direct) {
                    appSize = Math.max(engine.getSession().getApplicationBufferSize(), dst.remaining() + 1);
                } else if (!growAppIn()) {
                    throw new SSLException("the TLS engine wants more room than its application buffer size");
                }
                continue;
            }
            if (step == Step.NEED_READ || step == Step.CLOSED) {
                inboundDone = step == Step.CLOSED;
                break;
            }
        }
        releaseIfEmpty();
        int n = dst.position() - start;
        if (n == 0 && (inboundDone || eof) && appIn == null && !engineHoldsInput) {
            return -1;
        }
        return n;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        idleCalls = 0;
        while (src.hasRemaining()) {
            if (!wrap(src)) {
                return;
            }
        }
    }

    @Override
    public boolean flush() throws IOException {
        if (netOut == null) {
            return true;
        }
        netOut.flip();
        channel.write(netOut);
        netOut.compact();
        if (netOut.position() == 0) {
            giveBack(netOut);
            netOut = null;
            return true;
        }
        return false;
    }

    @Override
    public boolean hasBufferedInput() {
        return appIn != null || engineHoldsInput || (netIn != null && netIn.position() > 0 && !starved);
    }

    @Override
    public boolean needsWrite() {
        return netOut != null;
    }

    @Override
    public int pendingBytes() {
        return netOut == null ? 0 : netOut.position();
    }

    @Override
    public boolean secured() {
        return true;
    }

    /**
     * Sends {@code close_notify} (or the alert a failed handshake left to send) as far as the socket
     * takes it now; never waits. Errors are ignored: the connection is being closed anyway.
     */
    @Override
    public void closeOutbound() {
        if (outboundClosed) {
            return;
        }
        outboundClosed = true;
        idleCalls = 0;
        try {
            engine.closeOutbound();
            for (int i = 0; i < MAX_IDLE_CALLS && !engine.isOutboundDone(); i++) {
                if (!wrap(EMPTY)) {
                    break;
                }
            }
            flush();
        } catch (IOException | RuntimeException e) {
            // the peer is gone or the engine failed: there is nobody left to tell
        }
    }

    @Override
    public void release() {
        giveBack(netIn);
        giveBack(netOut);
        giveBack(appIn);
        netIn = null;
        netOut = null;
        appIn = null;
    }

    /**
     * Wraps one record from {@code src} (or a handshake message, or a closure alert) into netOut and
     * tries to send it.
     *
     * @return false when no progress can be made until the socket becomes writable
     * @throws SSLException when the engine fails, is closed for writing, or makes no progress
     */
    private boolean wrap(ByteBuffer src) throws IOException {
        for (;;) {
            int packetSize = engine.getSession().getPacketBufferSize();
            if (netOut != null && netOut.remaining() < packetSize && !flush() && netOut.remaining() < packetSize) {
                if (netOut.capacity() >= packetSize) {
                    return false; // full of records the socket did not take yet
                }
                netOut = grow(netOut, packetSize);
            }
            if (netOut == null) {
                netOut = pool.acquire();
                if (netOut.capacity() < packetSize) {
                    netOut = grow(netOut, packetSize);
                }
            }
            SSLEngineResult r = engine.wrap(src, netOut);
            afterCall(r);
            switch (r.getStatus()) {
                case OK:
                    flush();
                    return true;
                case BUFFER_OVERFLOW:
                    // the packet size grew, or records wait: send them, then wrap again with room
                    if (netOut.position() > 0 && !flush()) {
                        return false;
                    }
                    if (netOut != null) {
                        if (netOut.capacity() > packetSize) {
                            throw new SSLException("the TLS engine wants more room than its packet buffer size");
                        }
                        netOut = grow(netOut, packetSize + 1);
                    }
                    break;
                case CLOSED:
                    flush();
                    if (outboundClosed && r.bytesProduced() > 0) {
                        return true; // the closure alert
                    }
                    throw new SSLException("TLS connection closed");
                default:
                    throw new SSLException("the TLS engine reported " + r.getStatus() + " on wrap");
            }
        }
    }

    /**
     * Unwraps into {@code target}, reading from the socket when the engine needs more of a record.
     *
     * @return OK when the engine moved on (bytes consumed or produced, or its handshake status
     *         changed); OVERFLOW when {@code target} has too little room (any bytes it did produce
     *         are in {@code target}); NEED_READ when the socket has nothing more now; CLOSED once the
     *         peer's {@code close_notify} has arrived
     */
    private Step unwrap(ByteBuffer target) throws IOException {
        for (;;) {
            if (netIn == null) {
                netIn = pool.acquire();
            }
            boolean engineMayProduce = engineHoldsInput
                    || engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP_AGAIN;
            if (netIn.position() == 0 && !engineMayProduce && !fill()) {
                return Step.NEED_READ;
            }
            netIn.flip();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, target);
            } finally {
                netIn.compact();
            }
            engineHoldsInput = r.getStatus() == Status.BUFFER_OVERFLOW && r.bytesProduced() > 0;
            lastProduced = r.bytesProduced();
            afterCall(r);
            switch (r.getStatus()) {
                case OK:
                    return Step.OK;
                case BUFFER_UNDERFLOW:
                    int packetSize = engine.getSession().getPacketBufferSize();
                    if (!netIn.hasRemaining()) {
                        if (netIn.capacity() > packetSize) {
                            throw new SSLException("the TLS engine wants a record larger than its packet buffer size");
                        }
                        netIn = grow(netIn, packetSize + 1);
                    }
                    if (!fill()) {
                        return Step.NEED_READ;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    return Step.OVERFLOW;
                default:
                    return Step.CLOSED;
            }
        }
    }

    /**
     * What follows every engine call: delegated tasks, and a check that a loop driving the engine
     * is not spinning on an engine that changes nothing.
     */
    private void afterCall(SSLEngineResult r) throws SSLException {
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        if (r.bytesConsumed() > 0 || r.bytesProduced() > 0 || r.getHandshakeStatus() == HandshakeStatus.FINISHED
                || r.getStatus() == Status.CLOSED) {
            idleCalls = 0;
        } else if (++idleCalls > MAX_IDLE_CALLS) {
            throw new SSLException("the TLS engine makes no progress (" + r.getHandshakeStatus() + ")");
        }
    }

    /** Reads from the socket into netIn. @return whether any byte came */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (!netIn.hasRemaining()) {
            starved = false;
            return false;
        }
        int n = channel.read(netIn);
        if (n < 0) {
            eof = true;
            return false;
        }
        starved = n == 0;
        if (n > 0) {
            idleCalls = 0;
        }
        return n > 0;
    }

    private void moveAppIn(ByteBuffer dst) {
        if (appIn == null || appIn.position() == 0) {
            return;
        }
        appIn.flip();
        if (appIn.remaining() <= dst.remaining()) {
            dst.put(appIn);
        } else {
            int limit = appIn.limit();
            appIn.limit(appIn.position() + dst.remaining());
            dst.put(appIn);
            appIn.limit(limit);
        }
        appIn.compact();
    }

    /**
     * Replaces an empty appIn that the engine found too small by one as large as the engine now
     * says its plaintext may be.
     *
     * @return false when appIn holds bytes or is that large already: the engine wants what it said it would not
     */
    private boolean growAppIn() {
        appSize = Math.max(appSize, engine.getSession().getApplicationBufferSize());
        if (appIn.position() > 0 || appIn.capacity() >= appSize) {
            return false;
        }
        appIn = grow(appIn, appSize);
        return true;
    }

    private void releaseIfEmpty() {
        if (appIn != null && appIn.position() == 0) {
            giveBack(appIn);
            appIn = null;
        }
        if (netIn != null && netIn.position() == 0) {
            giveBack(netIn);
            netIn = null;
        }
    }

    /**
     * Moves a buffer's bytes to a heap buffer of {@code size} bytes and gives the old one back.
     * Rare: only for an engine whose records or plaintext outgrow the pool's buffers.
     *
     * @param b    a buffer in write mode, owned by this transport
     * @param size the new capacity, larger than the bytes held
     * @return the new buffer, in write mode, owned by this transport
     */
    private ByteBuffer grow(ByteBuffer b, int size) {
        ByteBuffer bigger = ByteBuffer.allocate(size);
        b.flip();
        bigger.put(b);
        giveBack(b);
        return bigger;
    }

    /** Gives a buffer to the pool; a grown heap buffer was never the pool's. Null does nothing. */
    private void giveBack(ByteBuffer b) {
        if (b != null && b.isDirect()) {
            pool.release(b);
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
