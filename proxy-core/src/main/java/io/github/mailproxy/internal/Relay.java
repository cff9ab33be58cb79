package io.github.mailproxy.internal;

import java.io.IOException;

/**
 * A logged-in session's bytes, relayed both ways between the client and the backend by two
 * {@link Pipe}s, each with its own backpressure. When one side ends, what is pending is written to
 * the other and then the owner closes both. Runs on the session's loop only.
 */
final class Relay {

    private final Endpoint client;
    private final Endpoint backend;
    private final Pipe c2b;
    private final Pipe b2c;
    private boolean ended;
    private final io.github.mailproxy.spi.RelayWatch watch;

    /**
     * Starts relaying, beginning with input either side sent ahead (pipelined behind the login):
     * the endpoints' input buffers pass to the pipes.
     *
     * @param client  the client endpoint
     * @param backend the logged-in backend endpoint
     * @param pool    the loop's buffer pool
     */
    Relay(Endpoint client, Endpoint backend, BufferPool pool) {
        this(client, backend, pool, null);
    }

    /**
     * As {@link #Relay(Endpoint, Endpoint, BufferPool)}, with a watch that sees both directions.
     *
     * @param client  the client endpoint
     * @param backend the logged-in backend endpoint
     * @param pool    the loop's buffer pool
     * @param watch   the protocol's watch of the stream, or null
     */
    Relay(Endpoint client, Endpoint backend, BufferPool pool, io.github.mailproxy.spi.RelayWatch watch) {
        this.client = client;
        this.backend = backend;
        this.watch = watch;
        this.c2b = new Pipe(client, backend, pool, watch == null ? null : watch::fromClient);
        this.b2c = new Pipe(backend, client, pool, watch == null ? null : watch::fromBackend);
        adopt(c2b, client);
        adopt(b2c, backend);
        client.paused = false;
        backend.paused = false;
    }

    private static void adopt(Pipe pipe, Endpoint src) {
        java.nio.ByteBuffer leftover = src.takeInput();
        if (leftover != null) {
            pipe.adopt(leftover);
        }
    }

    /** Writes what was read ahead of the relay, and reads what the transports decrypted ahead. */
    void start() throws IOException {
        kick(c2b);
        if (!ended) {
            kick(b2c);
        }
    }

    private void kick(Pipe p) throws IOException {
        if (p.drain() && p.src.transport.hasBufferedInput()) {
            forward(p);
        }
    }

    /**
     * @param ep the endpoint that is readable
     */
    void readable(Endpoint ep) throws IOException {
        if (!ended) {
            forward(ep == client ? c2b : b2c);
        }
    }

    /**
     * Writes what is pending to a writable endpoint, then reads on from its source while relaying.
     *
     * @param ep the endpoint that is writable
     */
    void writable(Endpoint ep) throws IOException {
        Pipe p = ep == client ? b2c : c2b;
        if (p.drain() && !ended) {
            forward(p);
        } else if (ended) {
            end(); // a drained pipe wants to read its source again: not once the relay is ending
        }
    }

    private void forward(Pipe p) throws IOException {
        p.onSourceReadable();
        if (p.srcEof) {
            end();
        }
    }

    /** One side ended (or the session is closing): no more reading either side. */
    void end() {
        ended = true;
        client.wantRead = false;
        backend.wantRead = false;
    }

    /**
     * Writes a line of the proxy's own to the client, if the stream to it is between two responses
     * (nothing from the backend is held or unsent, and the watch says so).
     *
     * @param line the whole line
     * @return whether it was queued
     */
    boolean tellClient(byte[] line) throws IOException {
        if (watch == null || b2c.pending() || client.outputPending() || !watch.betweenResponses()) {
            return false;
        }
        client.queue(line);
        client.flushOut();
        return true;
    }

    /** @return the backend endpoint, which the owner closes */
    Endpoint backend() {
        return backend;
    }

    /** @return whether a side has ended */
    boolean ended() {
        return ended;
    }

    /** @return whether bytes still wait to be written to either side */
    boolean pending() {
        return c2b.pending() || b2c.pending() || client.outputPending() || backend.outputPending();
    }

    /** Writes what was already read to its other side, as far as the sockets take it now (shutdown). */
    void flush() throws IOException {
        c2b.drain();
        b2c.drain();
    }

    /** @return bytes relayed from the client to the backend */
    long clientBytes() {
        return c2b.bytes;
    }

    /** @return bytes relayed from the backend to the client */
    long backendBytes() {
        return b2c.bytes;
    }

    /** Gives the pipes' buffers back; the endpoints are the owner's to close. */
    void close() {
        c2b.close();
        b2c.close();
    }
}
