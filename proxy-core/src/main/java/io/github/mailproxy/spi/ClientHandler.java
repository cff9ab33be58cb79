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

    /**
     * An operator kicks this session before it is logged in: write the protocol's goodbye with the
     * reason (IMAP {@code * BYE}, POP3 {@code -ERR}); the core closes the session after it. The
     * default writes nothing.
     *
     * @param reason the operator's reason: printable text, to be sent as part of one line
     */
    default void onKicked(String reason) {
    }

    /**
     * What to write to a relayed client that an operator kicks, if the relay is at a point where the
     * protocol lets the server speak unasked (IMAP's untagged {@code * BYE}); POP3 has no such
     * point. The default is {@code null}: the session closes without a word.
     *
     * @param reason the operator's reason: printable text, to be sent as part of one line
     * @return the whole line with its CRLF, or null
     */
    default String relayKickNotice(String reason) {
        return null;
    }

    /**
     * Called when the relay starts, if {@link #relayKickNotice} gives a notice: the watch that tells
     * when the stream to the client is between two responses, where the notice may go.
     *
     * @return the watch, or null to close a kicked relayed session without a word
     */
    default RelayWatch relayWatch() {
        return null;
    }

    /** The session is closed, by either side; nothing more may be written. */
    default void onClosed() {
    }
}
