package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Moves application bytes over a socket channel, in the clear or through TLS. Non-blocking:
 * every call does what the socket allows now and returns.
 */
interface Transport {

    /**
     * Reads application bytes.
     *
     * @param dst where to put them, in write mode
     * @return bytes placed (maybe 0), or -1 at end of stream
     * @throws IOException on a socket or TLS error
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes as much of {@code src} as the socket takes now, advancing its position. A TLS
     * transport may consume bytes it could not send yet; {@link #flush()} sends them.
     *
     * @param src application bytes, in read mode; stays owned by the caller
     * @throws IOException on a socket or TLS error
     */
    void write(ByteBuffer src) throws IOException;

    /**
     * Sends bytes consumed earlier but not yet sent.
     *
     * @return true when nothing is left pending inside the transport
     * @throws IOException on a socket or TLS error
     */
    boolean flush() throws IOException;

    /** @return whether input already taken from the socket waits to be read (TLS records) */
    boolean hasBufferedInput();

    /** @return whether the transport itself needs the socket to become writable */
    boolean needsWrite();

    /** @return bytes consumed by {@link #write} and not yet sent (TLS records waiting for the socket) */
    int pendingBytes();

    /** @return whether the transport is secured by TLS */
    boolean secured();

    /**
     * Says goodbye at the transport's level before the socket closes (TLS: {@code close_notify}),
     * as far as the socket takes it now, without waiting; errors are ignored. Nothing is written
     * afterwards.
     */
    default void closeOutbound() {
    }

    /** Gives back pooled buffers; the transport is not used afterwards. */
    void release();
}
