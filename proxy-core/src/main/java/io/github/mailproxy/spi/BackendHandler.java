package io.github.mailproxy.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The login client a protocol module runs against a backend, until it hands the connection to the
 * relay with {@link LoginFlow.Host#startRelay(BackendConnection)}. Called on the session's event loop.
 */
public interface BackendHandler {

    /**
     * The connection is open (TLS to the backend, if asked for, is established).
     *
     * @param connection the backend connection
     */
    void onConnected(BackendConnection connection);

    /**
     * The TLS handshake asked for with {@link BackendConnection#startTls()} is done; the protocol
     * asks for capabilities again and logs in.
     */
    default void onSecured() {
    }

    /**
     * Bytes from the backend are waiting; consume complete frames, as {@link ClientHandler#onInput}.
     *
     * @param in the unread input, in read mode; owned by the core
     */
    void onInput(ByteBuffer in);

    /**
     * No host of the target could be reached within its timeout.
     *
     * @param cause the last failure
     */
    void onConnectFailed(IOException cause);

    /** The backend closed the connection (or it failed) before the relay started. */
    void onClosed();
}
