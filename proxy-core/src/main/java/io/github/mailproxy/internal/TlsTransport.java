package io.github.mailproxy.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking channel with {@link SSLEngine}. The handshake is driven by
 * {@link #handshake()} whenever the socket is ready; delegated tasks run inline (they are CPU work
 * on small keys, never I/O).
 *
 * <p>Buffers: {@code netIn} (received records), {@code netOut} (records not yet sent) and
 * {@code appIn} (decrypted bytes the caller had no room for) are taken from the pool only while
 * they hold bytes and given back as soon as they are empty, so an idle TLS session holds none.
 * All three are kept in write mode: their bytes are {@code [0, position)}.
 */
final class TlsTransport implements Transport {

    private enum Step { OK, NEED_READ, OVERFLOW, CLOSED }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final BufferPool pool;
    private final int appSize;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private boolean handshakeDone;
    private boolean inboundDone;
    private boolean eof;
    /** netIn holds only part of a record and the socket had nothing more: wait for the selector. */
    private boolean starved;

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
        for (;;) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NOT_HANDSHAKING:
                case FINISHED:
                    handshakeDone = true;
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
                    if (step == Step.OVERFLOW) {
                        throw new SSLException("too much application data during the TLS handshake");
                    }
                    break;
            }
        }
    }

    /** @return whether the handshake has completed once */
    boolean handshakeDone() {
        return handshakeDone;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        moveAppIn(dst);
        while (dst.hasRemaining() && !inboundDone) {
            if (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING && !handshake()) {
                moveAppIn(dst);
                break;
            }
            boolean direct = dst.remaining() >= appSize;
            ByteBuffer target = dst;
            if (!direct) {
                if (appIn == null) {
                    appIn = pool.acquire();
                }
                target = appIn;
            }
            Step step = unwrap(target);
            if (!direct) {
                moveAppIn(dst);
            }
            if (step != Step.OK) {
                if (step == Step.CLOSED) {
                    inboundDone = true;
                }
                break;
            }
        }
        releaseIfEmpty();
        int n = dst.position() - start;
        if (n == 0 && (inboundDone || eof) && appIn == null) {
            return -1;
        }
        return n;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
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
            pool.release(netOut);
            netOut = null;
            return true;
        }
        return false;
    }

    @Override
    public boolean hasBufferedInput() {
        return appIn != null || (netIn != null && netIn.position() > 0 && !starved);
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

    @Override
    public void release() {
        pool.release(netIn);
        pool.release(netOut);
        pool.release(appIn);
        netIn = null;
        netOut = null;
        appIn = null;
    }

    /**
     * Wraps one record from {@code src} (or a handshake message) and tries to send it.
     *
     * @return false when no progress can be made until the socket becomes writable
     */
    private boolean wrap(ByteBuffer src) throws IOException {
        int packetSize = engine.getSession().getPacketBufferSize();
        if (netOut != null && netOut.remaining() < packetSize && !flush() && netOut.remaining() < packetSize) {
            return false;
        }
        if (netOut == null) {
            netOut = pool.acquire();
        }
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            flush();
            throw new SSLException("TLS connection closed");
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        boolean progress = r.bytesConsumed() > 0 || r.bytesProduced() > 0;
        flush();
        return progress;
    }

    /**
     * Unwraps one record into {@code target}, reading from the socket if no whole record is buffered.
     */
    private Step unwrap(ByteBuffer target) throws IOException {
        for (;;) {
            if (netIn == null) {
                netIn = pool.acquire();
            }
            if (netIn.position() == 0 && !fill()) {
                return Step.NEED_READ;
            }
            netIn.flip();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, target);
            } finally {
                netIn.compact();
            }
            switch (r.getStatus()) {
                case OK:
                    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    return Step.OK;
                case BUFFER_UNDERFLOW:
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

    private void releaseIfEmpty() {
        if (appIn != null && appIn.position() == 0) {
            pool.release(appIn);
            appIn = null;
        }
        if (netIn != null && netIn.position() == 0) {
            pool.release(netIn);
            netIn = null;
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
