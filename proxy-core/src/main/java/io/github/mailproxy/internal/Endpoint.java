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
 * holds input the protocol handler has not consumed; it is given back as soon as it is empty.
 * {@link #out} holds heap buffers, in read mode, of protocol replies not yet written; their bytes are
 * counted in {@link #queuedBytes()} and in the server's shared counter, so that a session can stop
 * reading a client whose replies pile up.
 */
final class Endpoint {

    final SocketChannel channel;
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

    /** An endpoint counted on its own, for use outside a server (benchmarks). */
    Endpoint(SocketChannel channel) {
        this(channel, new AtomicLong());
    }

    /**
     * @param channel     the socket
     * @param queuedTotal the server-wide count of queued reply bytes, kept up to date by this endpoint
     */
    Endpoint(SocketChannel channel, AtomicLong queuedTotal) {
        this.channel = channel;
        this.queuedTotal = queuedTotal;
        this.transport = new PlainTransport(channel);
    }

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
        if (handshaking) {
            // a peer that does not read our handshake records cannot go on anyway
            ops = outputHeld ? 0 : SelectionKey.OP_READ;
        } else if (wantRead && ((!paused && !outputHeld) || watchWhilePaused)) {
            ops = SelectionKey.OP_READ;
        }
        if (outputPending()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** Gives every buffer back and closes the socket. Idempotent. */
    void close(BufferPool pool) {
        if (closed) {
            return;
        }
        closed = true;
        if (in != null && in.isDirect()) {
            pool.release(in); // a grown heap buffer was never the pool's
        }
        in = null;
        out.clear();
        count(-queued);
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
