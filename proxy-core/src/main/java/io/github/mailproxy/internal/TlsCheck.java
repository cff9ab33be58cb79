package io.github.mailproxy.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Checks at build time what would otherwise fail every client's handshake in silence: a listener's
 * {@link SSLContext} without a server key (a context made with {@code init(null, ...)}) and TLS
 * versions that the context cannot speak. {@code SSLContext} does not say which key managers it
 * holds, so the check is one TLS handshake in memory, server engine against a client engine that
 * trusts any certificate; it takes a few milliseconds and no socket.
 */
public final class TlsCheck {

    private static final int MAX_STEPS = 200;

    private TlsCheck() {
    }

    /**
     * @param server    the listener's context
     * @param protocols the TLS versions to enable, or {@code null} for the context's defaults
     * @return empty if a handshake completes; otherwise why it failed, as the TLS library says it
     */
    public static Optional<String> handshakeFailure(SSLContext server, List<String> protocols) {
        try {
            SSLEngine serverEngine = server.createSSLEngine();
            serverEngine.setUseClientMode(false);
            // no peer host: no SNI, so that a key manager that picks keys by server name offers its default
            SSLEngine clientEngine = AnyCertTrust.context().createSSLEngine();
            clientEngine.setUseClientMode(true);
            if (protocols != null) {
                String[] enabled = protocols.toArray(String[]::new);
                serverEngine.setEnabledProtocols(enabled);
                clientEngine.setEnabledProtocols(enabled);
            }
            handshake(clientEngine, serverEngine);
            return Optional.empty();
        } catch (SSLException | IllegalArgumentException | IllegalStateException e) {
            // IllegalStateException: an SSLContext that was never init()ed
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int app = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize());
        ByteBuffer clientToServer = ByteBuffer.allocate(packet);
        ByteBuffer serverToClient = ByteBuffer.allocate(packet);
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer sink = ByteBuffer.allocate(app);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < MAX_STEPS; step++) {
            boolean progress = step(client, empty, clientToServer, serverToClient, sink);
            progress |= step(server, empty, serverToClient, clientToServer, sink);
            if (done(client) && done(server)) {
                return;
            }
            if (!progress) {
                throw new SSLException("the TLS handshake stalled");
            }
        }
        throw new SSLException("the TLS handshake did not finish");
    }

    /** Runs one engine: its delegated tasks, then a wrap into {@code out} and an unwrap of {@code in}. */
    private static boolean step(SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink)
            throws SSLException {
        boolean progress = false;
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
            progress = true;
        }
        if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = engine.wrap(empty, out);
            progress |= r.bytesProduced() > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
        }
        if (engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP && in.position() > 0) {
            in.flip();
            SSLEngineResult r = engine.unwrap(in, sink);
            in.compact();
            sink.clear();
            progress |= r.bytesConsumed() > 0;
        }
        return progress;
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus s = engine.getHandshakeStatus();
        return s == HandshakeStatus.FINISHED || s == HandshakeStatus.NOT_HANDSHAKING;
    }
}
