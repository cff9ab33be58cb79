package io.github.mailproxy.pop3;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeClientSession;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The in-memory session of the POP3 handler tests: session {@code sess-1} from 192.0.2.7:40123 to
 * 127.0.0.1:110. It drives a {@link Pop3ClientHandler} as the core would: buffers client input and
 * offers it while the session reads, again after lookups and offloaded work. Failure-delayed replies
 * wait for {@link #endFailureDelay()}.
 */
final class Pop3FakeSession extends FakeClientSession {

    static final SessionSettings DEFAULT_SETTINGS = new SessionSettings(8192, 8192, 10, false, 5);

    private final ByteBuffer input = ByteBuffer.allocate(1 << 16).flip();
    private Pop3ClientHandler handler;

    Pop3FakeSession() {
        super("pop3", "sess-1", new InetSocketAddress("192.0.2.7", 40123), new InetSocketAddress("127.0.0.1", 110),
                DEFAULT_SETTINGS);
        loginProtocol = Pop3Protocol.instance();
        holdFailureReplies = true;
    }

    /** Makes the handler under test and greets. */
    Pop3ClientHandler open() {
        handler = (Pop3ClientHandler) Pop3Protocol.instance().newClientHandler(this);
        handler.onOpen();
        return handler;
    }

    /** Appends bytes from the client and lets the handler read, as the core would. */
    void send(String text) {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends raw bytes from the client, which need not be UTF-8, and lets the handler read. */
    void send(byte[] bytes) {
        input.compact().put(bytes).flip();
        offer();
    }

    /** Offers buffered input to the handler unless paused, closed or relaying. */
    void offer() {
        if (!paused && !closed && relayed == null) {
            handler.onInput(input);
        }
    }

    /** @return input the handler left unread */
    String unread() {
        return StandardCharsets.UTF_8.decode(input.duplicate()).toString();
    }

    /** Answers the oldest unanswered lookup, then offers buffered input as a resumed session would. */
    @Override
    public void lookedUp(PassDbResult result) {
        super.lookedUp(result);
        offer();
    }

    /** Runs the offloaded work, then offers buffered input. */
    @Override
    public void runOffloaded() {
        super.runOffloaded();
        offer();
    }

    /** Also drops buffered input, as the core discards what came after STLS. */
    @Override
    public void startTls() {
        super.startTls();
        input.position(input.limit());
    }

    /** @throws IllegalStateException if the relay was started already */
    @Override
    public void startRelay(BackendConnection backend) {
        if (relayed != null) {
            throw new IllegalStateException("relay started twice");
        }
        super.startRelay(backend);
    }
}
