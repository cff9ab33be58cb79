package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Reads the PROXY protocol header a load balancer sends first on a connection to a listener made
 * with {@code Listener.withHaproxy()}, straight from the socket, before any TLS and before the
 * greeting. Reads never ask for more than the {@link ProxyHeaderParser} allows, so the bytes after
 * the header (a TLS ClientHello on an implicit-TLS listener) stay in the socket for what comes next.
 * Holds one small heap buffer while the header is read; runs on the session's loop only.
 */
final class InboundProxyHeader {

    /** How the read went. */
    enum Status {
        /** The header is not complete yet: wait for the socket to be readable again. */
        MORE,
        /** The header is complete: {@link #header()} holds it. */
        DONE,
        /** The peer closed before sending a byte: a port probe, nothing to count. */
        CLOSED_EMPTY,
        /** The peer closed in the middle of the header. */
        TRUNCATED
    }

    private static final int READ_SIZE = 256;

    private final ProxyHeaderParser parser = new ProxyHeaderParser();
    private final ByteBuffer scratch = ByteBuffer.allocate(READ_SIZE);
    private boolean started;

    /**
     * Reads what the socket has of the header, and no more.
     *
     * @param channel the client's socket, non-blocking
     * @return how far the header got
     * @throws IOException                 if the socket fails
     * @throws ProxyHeaderParser.Malformed if the bytes are not a valid PROXY header
     */
    Status read(SocketChannel channel) throws IOException, ProxyHeaderParser.Malformed {
        while (true) {
            scratch.clear().limit(Math.min(parser.wanted(), READ_SIZE));
            int n = channel.read(scratch);
            if (n < 0) {
                return started ? Status.TRUNCATED : Status.CLOSED_EMPTY;
            }
            if (n == 0) {
                return Status.MORE;
            }
            started = true;
            scratch.flip();
            if (parser.offer(scratch) != null) {
                return Status.DONE;
            }
        }
    }

    /** @return the header, once {@link #read} said {@link Status#DONE} */
    ProxyHeader header() {
        return parser.header();
    }
}
