package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a session's input before login, from the client and from the backend, into the endpoints'
 * input buffers and hands it to the protocol's handlers (and makes sure input decrypted ahead is
 * read, after login too); holds the client's input back while its
 * replies pile up or the handler has paused it, while still noticing a client that leaves.
 * Runs on the session's loop only.
 */
final class PreLoginReader {

    private static final Logger LOG = LoggerFactory.getLogger(PreLoginReader.class);
    private static final int READS_PER_EVENT = 16;
    private static final int MAX_PIECE_EXTENSIONS = 8;

    private final Session session;
    private final Endpoint client;
    private final EngineConfig config;
    /** The largest an input buffer may grow: one line and one literal, and a read's worth more. */
    private final int maxInput;
    private boolean dispatching;
    private boolean resumeScheduled;
    private long lastInput = System.nanoTime();

    /**
     * @param session the session
     * @param client  its client endpoint
     * @param config  the server's limits
     */
    PreLoginReader(Session session, Endpoint client, EngineConfig config, int bufferSize) {
        this.session = session;
        this.client = client;
        this.config = config;
        this.maxInput = config.maxLineLength() + config.maxLiteralSize() + bufferSize;
    }

    /** @return whether a handler is being called: what it asks for starts once it returns */
    boolean dispatching() {
        return dispatching;
    }

    /** @return when the client last sent something, as {@link System#nanoTime()} */
    long lastInputNanos() {
        return lastInput;
    }

    /**
     * Reads what an endpoint has, a bounded number of times, handing each read on.
     *
     * @param ep the client or the backend endpoint
     */
    void read(Endpoint ep) throws IOException {
        for (int i = 0; i < READS_PER_EVENT; i++) {
            if (ep.closed || !session.loggingIn()) {
                return;
            }
            if (ep.paused || (ep == client && holdInput())) {
                watchPaused(ep);
                return;
            }
            ByteBuffer in = ep.inputBuffer();
            if (!in.hasRemaining() && !ep.growInput(maxInput)) {
                LOG.warn("session {}: unconsumed input over {} bytes; closing", session.sessionId(), maxInput);
                session.closeNow();
                return;
            }
            int n = ep.transport.read(ep.in);
            if (n <= 0) {
                ep.releaseInputIfEmpty();
                if (n < 0) {
                    endOfInput(ep);
                }
                return;
            }
            if (ep == client) {
                lastInput = System.nanoTime();
            }
            dispatch(ep);
        }
    }

    /** Reads a paused client's input into its buffer without handing it on; notices the end of the stream. */
    private void watchPaused(Endpoint ep) throws IOException {
        if (ep != client || session.tlsRequested()) {
            return;
        }
        ByteBuffer in = ep.inputBuffer();
        if (!in.hasRemaining()) {
            return;
        }
        int n = ep.transport.read(in);
        ep.releaseInputIfEmpty();
        if (n < 0) {
            LOG.debug("session {}: the client left while its login was in progress", session.sessionId());
            endOfInput(ep);
        } else if (n > 0) {
            lastInput = System.nanoTime();
        }
    }

    private void endOfInput(Endpoint ep) {
        if (ep == client) {
            session.closeNow();
        } else {
            session.ioFailed(ep);
        }
    }

    /** Offers the input buffered on an endpoint to its handler, then starts what the handler asked for. */
    void dispatch(Endpoint ep) {
        ByteBuffer in = ep.in;
        if (in == null || in.position() == 0) {
            return;
        }
        in.flip();
        dispatching = true;
        try {
            if (ep == client) {
                offerToClient(in);
            } else {
                session.offerToBackendHandler(in);
            }
        } finally {
            dispatching = false;
            if (ep.in == in) {
                in.compact();
                ep.releaseInputIfEmpty();
            }
        }
        session.afterDispatch();
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
                session.handler().onInput(in);
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
        return session.inputWanted() && !client.paused && !client.closed && !holdInput();
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

    /**
     * Sets the client's interest. A paused client (waiting for the PassDb or the backend login), or
     * one whose replies are held back, is still read from, into its bounded buffer, so that a client
     * that goes away is noticed at once and not at a timeout. Once held-back replies have drained,
     * buffered input is offered again.
     */
    void updateInterest() {
        boolean wasHeld = client.outputHeld;
        boolean held = holdInput();
        client.watchWhilePaused = session.loggingIn() && !session.tlsRequested()
                && (client.in == null || client.in.hasRemaining());
        client.updateInterest();
        if (wasHeld && !held && session.loggingIn() && !client.paused) {
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
    private boolean holdInput() {
        boolean held = session.beforeLogin() && client.unsentBytes() > config.maxPendingOutput();
        client.outputHeld = held;
        return held;
    }

    /**
     * Makes sure input a TLS transport decrypted ahead, which the selector cannot see, gets read:
     * before login and while relaying alike.
     *
     * @param ep the client or the backend endpoint
     */
    void scheduleBufferedRead(Endpoint ep) {
        if (ep.bufferedReadScheduled || ep.closed || ep.paused || ep.outputHeld || ep.handshaking || !ep.wantRead
                || !ep.transport.hasBufferedInput() || !session.reading()) {
            return;
        }
        ep.bufferedReadScheduled = true;
        session.loop().execute(() -> {
            ep.bufferedReadScheduled = false;
            if (!session.open() || ep.closed) {
                return;
            }
            try {
                session.readable(ep);
                session.afterEvent();
            } catch (IOException e) {
                LOG.debug("session {}: read failed: {}", session.sessionId(), e.toString());
                session.ioFailed(ep);
            } catch (RuntimeException e) {
                session.failed(e);
            }
        });
    }

    /** Offers buffered input again soon, on the loop (after a resume, or once replies drained). */
    void scheduleResume() {
        if (!resumeScheduled) {
            resumeScheduled = true;
            session.loop().execute(this::resume);
        }
    }

    private void resume() {
        resumeScheduled = false;
        if (!session.loggingIn() || client.paused) {
            return;
        }
        try {
            dispatch(client);
            read(client);
            session.afterEvent();
        } catch (IOException e) {
            LOG.debug("session {}: client read failed: {}", session.sessionId(), e.toString());
            session.closeNow();
        } catch (RuntimeException e) {
            session.failed(e);
        }
    }
}
