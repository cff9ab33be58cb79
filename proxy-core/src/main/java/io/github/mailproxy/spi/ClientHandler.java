package io.github.mailproxy.spi;

import java.nio.ByteBuffer;

/**
 * The pre-login side of one client session, written by a protocol module. Every method is called
 * on the session's event loop, one at a time; none may block.
 */
public interface ClientHandler {

    /** The client is connected (and, on an implicit-TLS listener, the handshake is done): greet it. */
    void onOpen();

    /**
     * Bytes from the client are waiting. Consume complete frames by advancing {@code in}'s position
     * and leave an incomplete frame where it is; the core calls again when more bytes arrive. The
     * buffer belongs to the core: do not keep it after returning. After {@link LoginFlow.Host#pauseInput()}
     * the core stops calling until {@link LoginFlow.Host#resumeInput()}.
     *
     * @param in the unread input, in read mode
     */
    void onInput(ByteBuffer in);

    /** The login timeout has expired: write a farewell; the core closes the session after it. */
    void onTimeout();

    /** The server is shutting down: write a farewell; the core closes the session after it. */
    void onShutdown();

    /**
     * The server refuses this connection because a connection limit is reached: write the
     * protocol's "try again later" goodbye; the core closes the session after it. Called instead of
     * {@link #onOpen()}.
     */
    default void onOverloaded() {
    }

    /** The session is closed, by either side; nothing more may be written. */
    default void onClosed() {
    }
}
