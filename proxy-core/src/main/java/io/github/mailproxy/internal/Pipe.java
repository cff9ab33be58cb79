package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One direction of a relayed session: reads from {@code src}, writes to {@code dst}. At most one
 * pooled buffer is held, and only while its bytes are not yet written; while it is held,
 * {@code src} is not read (backpressure through interest ops).
 */
final class Pipe {

    private static final int READS_PER_EVENT = 16;

    final Endpoint src;
    final Endpoint dst;
    private final BufferPool pool;
    /** Bytes read and not yet written, in read mode; owned by this pipe; null when idle. */
    private ByteBuffer buf;
    /** Bytes relayed: written by the loop only, volatile for the session snapshots other threads take. */
    volatile long bytes;
    boolean srcEof;
    /** Sees every chunk read, or null. */
    private final java.util.function.Consumer<ByteBuffer> watch;

    Pipe(Endpoint src, Endpoint dst, BufferPool pool) {
        this(src, dst, pool, null);
    }

    /**
     * @param watch sees every chunk read, before it is written (must not move its position), or null
     */
    Pipe(Endpoint src, Endpoint dst, BufferPool pool, java.util.function.Consumer<ByteBuffer> watch) {
        this.src = src;
        this.dst = dst;
        this.pool = pool;
        this.watch = watch;
    }

    /**
     * Takes over input already read from {@code src} before the relay started.
     *
     * @param leftover a buffer in write mode; ownership passes to the pipe
     */
    void adopt(ByteBuffer leftover) {
        leftover.flip();
        if (!leftover.hasRemaining()) {
            release(leftover);
            return;
        }
        bytes += leftover.remaining();
        buf = leftover;
        if (watch != null) {
            watch.accept(leftover);
        }
    }

    /** @return whether bytes are held that {@code dst} has not taken yet */
    boolean pending() {
        return buf != null;
    }

    /**
     * Source readable: read and forward until the source is drained, the destination is full, or the
     * per-event budget is used.
     */
    void onSourceReadable() throws IOException {
        if (buf != null || srcEof) {
            return;
        }
        for (int i = 0; i < READS_PER_EVENT; i++) {
            ByteBuffer b = pool.acquire();
            int n;
            try {
                n = src.transport.read(b);
            } catch (IOException e) {
                pool.release(b);
                throw e;
            }
            if (n <= 0) {
                pool.release(b);
                if (n < 0) {
                    srcEof = true;
                }
                return;
            }
            b.flip();
            bytes += n;
            buf = b;
            if (watch != null) {
                watch.accept(b);
            }
            if (!drain()) {
                return;
            }
        }
    }

    /**
     * Writes what is held to {@code dst}, after any replies queued there.
     *
     * @return true when everything is written and the buffer given back
     */
    boolean drain() throws IOException {
        if (!dst.out.isEmpty() && !dst.flushOut()) {
            updateState();
            return false;
        }
        if (buf != null) {
            dst.transport.write(buf);
            if (buf.hasRemaining()) {
                updateState();
                return false;
            }
            release(buf);
            buf = null;
        }
        boolean flushed = dst.transport.flush();
        updateState();
        return flushed;
    }

    private void updateState() {
        boolean blocked = buf != null || dst.transport.needsWrite() || !dst.out.isEmpty();
        dst.pipePending = buf != null;
        src.wantRead = !blocked && !srcEof;
    }

    private void release(ByteBuffer b) {
        if (b.isDirect()) {
            pool.release(b);
        }
    }

    /** Gives the held buffer back; the pipe is not used afterwards. */
    void close() {
        if (buf != null) {
            release(buf);
            buf = null;
        }
        dst.pipePending = false;
    }
}
