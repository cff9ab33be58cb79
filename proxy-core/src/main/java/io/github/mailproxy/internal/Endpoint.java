package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One socket of a session (the client's or the backend's) and what is buffered on it. Touched only
 * by the session's loop.
 *
 * <p>Buffers: {@link #in} is a pooled buffer (or, rarely, a larger heap buffer) in write mode that
 * holds input the protocol handler has not consumed. The endpoint owns it: {@link #inputBuffer()}
 * takes one from the pool, {@link #growInput} enlarges it, {@link #releaseInputIfEmpty()} gives it
 * back as soon as it is empty, {@link #dropInput()} discards it, and {@link #takeInput()} hands it
 * (and its ownership) to a relay pipe. Nothing else gives it back to the pool.
 * {@link #out} holds heap buffers, in read mode, of protocol replies not yet written; their bytes are
 * counted in {@link #queuedBytes()} and in the server's shared counter, so that a session can stop
 * reading a client whose replies pile up.
 */
final class Endpoint {

    final SocketChannel channel;
    /** Where {@link #in} comes from and goes back to; null for an endpoint that never buffers input. */
    private final BufferPool pool;
    /** The server-wide count of queued reply bytes, which this endpoint's count is part of. */
    private final AtomicLong queuedTotal;
    private long queued;
    SelectionKey key;
    Transport transport;
    ByteBuffer in;
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>(4);
    /** Read interest as the session wants it (pre-login reading, relay source not blocked). */
    boolean wantRead = true;
    /** Write interest wanted by a relay pipe that has bytes pending for this endpoint. */
    boolean pipePending;
    /** Input is paused by the protocol handler. */
    boolean paused;
    /**
     * While paused, still read (without handing input on) to notice the peer going away; off when
     * nothing may be read (STARTTLS pending) or the buffer is full.
     */
    boolean watchWhilePaused;
    /**
     * Replies to this peer are over the session's bound: read nothing more (except to notice the
     * peer leaving, as {@link #watchWhilePaused} allows) until they drain.
     */
    boolean outputHeld;
    /** A TLS handshake is in progress on this endpoint. */
    boolean handshaking;
    boolean closed;
    /** A task to read input buffered inside the transport is queued on the loop. */
    boolean bufferedReadScheduled;
    /** A non-blocking connect is in progress: the only interest is {@link SelectionKey#OP_CONNECT}. */
    boolean connecting;

    /** An endpoint counted on its own that never buffers input, for use outside a server (benchmarks). */
    Endpoint(SocketChannel channel) {
        this(channel, new AtomicLong(), null);
    }

    /**
     * @param channel     the socket
     * @param queuedTotal the server-wide count of queued reply bytes, kept up to date by this endpoint
     * @param pool        the loop's buffer pool, for input
     */
    Endpoint(SocketChannel channel, AtomicLong queuedTotal, BufferPool pool) {
        this.channel = channel;
        this.queuedTotal = queuedTotal;
        this.pool = pool;
        this.transport = new PlainTransport(channel);
    }

    // ---- input buffer: owned here, see the class comment ----

    /**
     * @return the input buffer in write mode, taken from the pool if there is none; still owned by
     *         this endpoint
     */
    ByteBuffer inputBuffer() {
        if (in == null) {
            in = pool.acquire();
        }
        return in;
    }

    /**
     * Makes room in a full input buffer holding one unfinished frame, by moving it to a heap buffer
     * twice its size, at most {@code max} bytes.
     *
     * @param max the largest buffer allowed
     * @return false when the buffer is already that large: the peer sends more than any frame may be
     */
    boolean growInput(int max) {
        if (in.capacity() >= max) {
            return false;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(max, in.capacity() * 2));
        in.flip();
        bigger.put(in);
        giveBack(in);
        in = bigger;
        return true;
    }

    /** Gives the input buffer back when it holds nothing. */
    void releaseInputIfEmpty() {
        if (in != null && in.position() == 0) {
            dropInput();
        }
    }

    /** Discards buffered input and gives its buffer back (STARTTLS: nothing sent before may be used). */
    void dropInput() {
        if (in != null) {
            giveBack(in);
            in = null;
        }
    }

    /**
     * @return the input buffer in write mode, or null; ownership passes to the caller, who gives it
     *         back to this endpoint's pool (a relay pipe)
     */
    ByteBuffer takeInput() {
        ByteBuffer taken = in;
        in = null;
        return taken;
    }

    private void giveBack(ByteBuffer b) {
        if (b.isDirect()) {
            pool.release(b); // a grown heap buffer was never the pool's
        }
    }

    // ---- output ----

    /** Queues a reply; the array is copied into a buffer of its own. */
    void queue(byte[] bytes) {
        out.add(ByteBuffer.wrap(bytes.clone()));
        count(bytes.length);
    }

    /** @return bytes of replies queued and not yet handed to the transport */
    long queuedBytes() {
        return queued;
    }

    /** @return bytes waiting to be sent to this peer: queued replies and what the transport holds */
    long unsentBytes() {
        return queued + transport.pendingBytes();
    }

    private void count(long delta) {
        if (delta != 0) {
            queued += delta;
            queuedTotal.addAndGet(delta);
        }
    }

    /**
     * Writes queued replies as far as the socket allows.
     *
     * @return true when nothing is left in the queue or inside the transport
     */
    boolean flushOut() throws IOException {
        while (!out.isEmpty()) {
            ByteBuffer head = out.peekFirst();
            int before = head.remaining();
            try {
                transport.write(head);
            } finally {
                count(head.remaining() - before);
            }
            if (head.hasRemaining()) {
                return false;
            }
            out.pollFirst();
        }
        return transport.flush();
    }

    /** @return whether bytes wait to be written to this endpoint */
    boolean outputPending() {
        return !out.isEmpty() || transport.needsWrite() || pipePending;
    }

    /** Sets the selector interest from the wanted state; a no-op once the key is gone. */
    void updateInterest() {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (connecting) {
            ops = SelectionKey.OP_CONNECT;
        } else if (handshaking) {
            // a peer that does not read our handshake records cannot go on anyway
            ops = outputHeld ? 0 : SelectionKey.OP_READ;
        } else if (wantRead && ((!paused && !outputHeld) || watchWhilePaused)) {
            ops = SelectionKey.OP_READ;
        }
        if (!connecting && outputPending()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /**
     * Starts a TLS handshake on this socket; input read before it is the caller's to discard.
     *
     * @param engine the engine, in client or server mode
     * @param tlsPool where the transport's buffers come from
     */
    void beginTls(javax.net.ssl.SSLEngine engine, BufferPool tlsPool) throws IOException {
        transport = new TlsTransport(channel, engine, tlsPool);
        handshaking = true;
    }

    /**
     * Goes on with the handshake as far as the socket allows.
     *
     * @return true when it has just completed; false while it goes on (interest is set for it)
     */
    boolean continueHandshake() throws IOException {
        TlsTransport tls = (TlsTransport) transport;
        if (!tls.handshake()) {
            updateInterest();
            return false;
        }
        handshaking = false;
        tls.flush();
        return true;
    }

    /** Gives every buffer back and closes the socket. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropInput();
        out.clear();
        count(-queued);
        transport.closeOutbound();
        transport.release();
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do with a socket that fails to close
        }
    }
}
