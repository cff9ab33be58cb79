package io.github.mailproxy.spi;

import java.nio.ByteBuffer;

/**
 * Follows the bytes of a relayed session, so that the proxy knows when it may write a line of its own
 * to the client without cutting a response of the backend in two (an IMAP {@code * BYE} when an
 * operator kicks the session). Made by {@link ClientHandler#relayWatch()}; called on the session's
 * event loop, on the relay's hot path: it must be cheap, and must not keep the buffers.
 */
public interface RelayWatch {

    /**
     * Bytes the backend sent, about to go to the client.
     *
     * @param bytes the bytes from its position to its limit; neither may be changed (read with absolute gets)
     */
    void fromBackend(ByteBuffer bytes);

    /**
     * Bytes the client sent, about to go to the backend.
     *
     * @param bytes the bytes from its position to its limit; neither may be changed (read with absolute gets)
     */
    void fromClient(ByteBuffer bytes);

    /**
     * @return whether everything the backend sent so far ends a whole response, so that a line of the
     *         proxy's own written now (once the bytes before it are written) stands on its own
     */
    boolean betweenResponses();
}
