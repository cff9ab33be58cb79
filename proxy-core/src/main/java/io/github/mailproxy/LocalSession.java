package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

/**
 * A logged-in client the proxy hands to the embedding application, which serves the user itself
 * ({@link AuthDecision.Local}, Dovecot's {@code proxy_maybe} to this server): the client connection
 * from the first byte after the login command on, with TLS (implicit or STARTTLS) already handled by
 * the proxy. The proxy has already answered the login command (see {@link LocalSessionHandler}).
 *
 * <p>The I/O calls ({@link #write}, {@link #unsentBytes}, {@link #resumeInput}, {@link #close}) are
 * non-blocking and must be made on the session's event loop: in the {@link Receiver}'s callbacks, or
 * in a task given to {@link #loop()}; on another thread they throw {@link IllegalStateException}. The
 * other methods return fixed values and may be called on any thread. Servers written for blocking
 * streams use {@link LocalStreams} instead of this interface.
 *
 * <pre>{@code
 * // an echo server, non-blocking
 * LocalSessionHandler echo = session -> new LocalSession.Receiver() {
 *     public void onInput(ByteBuffer input) {
 *         session.write(input);          // takes everything; false would mean: wait for onWritable
 *     }
 *     public void onClosed() {
 *     }
 * };
 * }</pre>
 */
public interface LocalSession {

    /**
     * Unsent output, in bytes, at which {@link #write} returns false: the application should write
     * no more until {@link Receiver#onWritable()}.
     */
    int OUTPUT_HIGH_WATER = 64 * 1024;

    /** @return the proxy's id of the session, as in its log lines and {@link SessionEvent} */
    String id();

    /** @return the authenticated user, as the {@link AuthStrategy} decided ({@link AuthDecision.Local#user()}) */
    String user();

    /** @return the protocol's name, {@code imap} or {@code pop3} */
    String protocol();

    /** @return the client's address (the one a trusted client named, if it did) */
    InetSocketAddress clientAddress();

    /** @return the address the client connected to */
    InetSocketAddress localAddress();

    /** @return whether the client connection is encrypted */
    boolean secured();

    /**
     * @return the tag of the IMAP command that logged in ({@code LOGIN}, {@code AUTHENTICATE}), which the
     *         proxy has already answered; {@code null} for POP3
     */
    String tag();

    /** @return the session's event loop: run the I/O calls here when on another thread */
    Executor loop();

    /**
     * Queues bytes for the client, after everything queued before. Every byte is taken (copied); the
     * answer says whether to go on writing.
     *
     * @param bytes the bytes from position to limit; its position moves to the limit; not kept
     * @return true while less than {@link #OUTPUT_HIGH_WATER} bytes wait to be sent; false when the
     *         client does not read fast enough: write more only after {@link Receiver#onWritable()}.
     *         Always false once the session is closing; a handler that goes on writing while more than 16 times
     *         {@link #OUTPUT_HIGH_WATER} wait is closed, and the log says why (one large write is fine)
     * @throws IllegalStateException if not called on the session's loop
     */
    boolean write(ByteBuffer bytes);

    /**
     * @return bytes queued by {@link #write} and not yet sent to the client
     * @throws IllegalStateException if not called on the session's loop
     */
    long unsentBytes();

    /**
     * Offers the input left unconsumed by {@link Receiver#onInput} again, and reads the client on.
     * Does nothing when no input is held.
     *
     * @throws IllegalStateException if not called on the session's loop
     */
    void resumeInput();

    /**
     * Closes the session once what is queued is sent (within a few seconds); {@link Receiver#onClosed()}
     * follows. Idempotent.
     *
     * @throws IllegalStateException if not called on the session's loop
     */
    void close();

    /**
     * What the application does with a local session's events; every call comes on the session's loop
     * and must not block. An exception thrown here closes the session.
     */
    interface Receiver {

        /**
         * Input from the client; the first call brings what the client sent after the login command,
         * before the hand-over (pipelined commands). Consume what can be taken now by reading from
         * {@code input}. Bytes left in it are kept, nothing more is read from the client meanwhile
         * (backpressure), and they are offered again, with whatever came next, after
         * {@link LocalSession#resumeInput()}.
         *
         * @param input the bytes from position to limit; valid during this call only
         */
        void onInput(ByteBuffer input);

        /** Everything queued has been sent, after a {@link LocalSession#write} that left bytes unsent. */
        default void onWritable() {
        }

        /**
         * The session is closed: by the client, by {@link LocalSession#close()}, by an I/O error, or by
         * the server (kick, shutdown). Called once; no call follows.
         */
        void onClosed();
    }
}
