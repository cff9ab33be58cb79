package io.github.mailproxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers of one size, reused. One pool per event loop, used only from its thread, so
 * taking and giving back need no locks; the counters are shared and atomic for {@code stats()}.
 *
 * <p>Ownership: {@link #acquire()} hands a cleared buffer to the caller, who owns it until it
 * passes it to {@link #release(ByteBuffer)}; after that the caller must not touch it.
 */
final class BufferPool {

    private final int bufferSize;
    private final int maxIdle;
    private final ArrayDeque<ByteBuffer> idle = new ArrayDeque<>();
    private final AtomicInteger inUse;
    private final AtomicInteger pooled;

    BufferPool(int bufferSize, int maxIdle, AtomicInteger inUse, AtomicInteger pooled) {
        this.bufferSize = bufferSize;
        this.maxIdle = maxIdle;
        this.inUse = inUse;
        this.pooled = pooled;
    }

    /** @return a cleared buffer of {@link #bufferSize()} bytes, owned by the caller */
    ByteBuffer acquire() {
        ByteBuffer b = idle.pollFirst();
        if (b == null) {
            b = ByteBuffer.allocateDirect(bufferSize);
        } else {
            pooled.decrementAndGet();
        }
        inUse.incrementAndGet();
        return b;
    }

    /**
     * Takes a buffer back. Passing {@code null} does nothing.
     *
     * @param b a buffer from {@link #acquire()}, no longer used by the caller
     */
    void release(ByteBuffer b) {
        if (b == null) {
            return;
        }
        inUse.decrementAndGet();
        if (b.isDirect() && b.capacity() == bufferSize && idle.size() < maxIdle) {
            b.clear();
            idle.addFirst(b);
            pooled.incrementAndGet();
        }
    }

    /** @return the size of every buffer */
    int bufferSize() {
        return bufferSize;
    }
}
