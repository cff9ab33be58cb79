package io.github.mailproxy.internal;

import io.github.mailproxy.Listener;
import io.github.mailproxy.TlsMode;
import java.io.IOException;
import javax.net.ssl.SSLEngine;

/**
 * The client connection's TLS: from the first byte on an implicit-TLS listener, or after STARTTLS
 * once the replies queued before it are written (RFC 3207 section 4.2, RFC 2595: what the client
 * sent before the handshake is discarded by the session). Runs on the session's loop only.
 */
final class ClientTls {

    private final Listener listener;
    private final Engine engine;
    private final Endpoint client;
    private final BufferPool pool;
    /** A STARTTLS was answered and its handshake waits for the replies before it to be written. */
    private boolean requested;

    /**
     * @param listener the listener the client came in on, with its TLS mode and context
     * @param engine   the server, for its TLS versions
     * @param client   the client endpoint
     * @param pool     the loop's buffers, for the TLS transport
     */
    ClientTls(Listener listener, Engine engine, Endpoint client, BufferPool pool) {
        this.listener = listener;
        this.engine = engine;
        this.client = client;
        this.pool = pool;
    }

    /** @return whether TLS starts with the connection */
    boolean implicit() {
        return listener.tlsMode() == TlsMode.IMPLICIT;
    }

    /** @return whether STARTTLS may be offered: a STARTTLS listener, not encrypted or upgrading yet */
    boolean available() {
        return listener.tlsMode() == TlsMode.STARTTLS && !client.transport.secured() && !requested;
    }

    /** @return whether a STARTTLS handshake waits for the replies before it to be written */
    boolean requested() {
        return requested;
    }

    /** The protocol answered STARTTLS: no more input is handed on until the handshake. */
    void request() {
        if (!available()) {
            throw new IllegalStateException("STARTTLS is not available on this session");
        }
        requested = true;
        client.paused = true;
    }

    /** Starts the handshake, implicit or requested; the caller goes on with {@link Endpoint#continueHandshake()}. */
    void begin() throws IOException {
        requested = false;
        client.paused = false;
        SSLEngine e = listener.sslContext().createSSLEngine();
        e.setUseClientMode(false);
        engine.restrictProtocols(e);
        client.beginTls(e, pool);
    }
}
