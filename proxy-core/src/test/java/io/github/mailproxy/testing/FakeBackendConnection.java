package io.github.mailproxy.testing;

import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An in-memory {@link BackendConnection} for backend login unit tests: it records what the login
 * client sends, and can feed the handler the backend's replies with {@link #reply}.
 */
public class FakeBackendConnection implements BackendConnection {

    /** What the login client sent and {@link #take()} has not taken yet; a test may add to it. */
    public final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    /** Whether {@link #close()} was called; writes after it fail. */
    public boolean closed;
    /** Set by {@link #startTls()}; a test may clear it once it has played the handshake. */
    public boolean tlsStarted;
    /** How often {@link #startTls()} was called. */
    public int startTlsCalls;

    private final InetSocketAddress remoteAddress;
    private final InetSocketAddress localAddress;
    private final ByteBuffer input = ByteBuffer.allocate(1 << 16).flip();

    /** A connection from 203.0.113.1:50000 to 203.0.113.5:143. */
    public FakeBackendConnection() {
        this(new InetSocketAddress("203.0.113.5", 143), new InetSocketAddress("203.0.113.1", 50000));
    }

    /**
     * @param remoteAddress the backend's address
     * @param localAddress the local address of the connection
     */
    public FakeBackendConnection(InetSocketAddress remoteAddress, InetSocketAddress localAddress) {
        this.remoteAddress = remoteAddress;
        this.localAddress = localAddress;
    }

    /**
     * Appends bytes from the backend to the buffered input and lets the handler read it, as the core
     * would; what the handler leaves unread stays for the next reply.
     *
     * @param handler the login client under test
     * @param text what the backend sends
     */
    public void reply(BackendHandler handler, String text) {
        input.compact().put(text.getBytes(StandardCharsets.UTF_8)).flip();
        handler.onInput(input);
    }

    /** @return the input from {@link #reply} the login client has not read */
    public String unread() {
        return StandardCharsets.UTF_8.decode(input.duplicate()).toString();
    }

    /** @return what was sent since the last call, and forgets it */
    public String take() {
        String s = sent.toString(StandardCharsets.UTF_8);
        sent.reset();
        return s;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** @throws IllegalStateException after {@link #close()} */
    @Override
    public void write(byte[] bytes) {
        if (closed) {
            throw new IllegalStateException("write after close");
        }
        sent.writeBytes(bytes);
    }

    @Override
    public void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Records the call and drops the buffered input, as the core discards what the backend sent
     * before the handshake; the test plays the handshake itself.
     */
    @Override
    public void startTls() {
        tlsStarted = true;
        startTlsCalls++;
        input.position(input.limit());
    }

    @Override
    public void close() {
        closed = true;
    }
}
