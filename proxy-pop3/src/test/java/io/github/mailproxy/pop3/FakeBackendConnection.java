package io.github.mailproxy.pop3;

import io.github.mailproxy.spi.BackendConnection;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** An in-memory backend connection: records what the login client writes and feeds it replies. */
final class FakeBackendConnection implements BackendConnection {

    final StringBuilder written = new StringBuilder();
    final ByteBuffer input = ByteBuffer.allocate(1 << 16).flip();
    boolean closed;
    int startTlsCalls;

    /** Appends bytes from the backend and lets the handler read them. */
    void reply(Pop3BackendLogin login, String text) {
        input.compact().put(text.getBytes(StandardCharsets.UTF_8)).flip();
        login.onInput(input);
    }

    /** @return what the login client has not read */
    String unread() {
        return StandardCharsets.UTF_8.decode(input.duplicate()).toString();
    }

    /** @return everything written so far, and forgets it */
    String take() {
        String s = written.toString();
        written.setLength(0);
        return s;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 110);
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 50000);
    }

    @Override
    public void write(byte[] bytes) {
        write(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void write(String text) {
        if (closed) {
            throw new IllegalStateException("write after close");
        }
        written.append(text);
    }

    @Override
    public void startTls() {
        startTlsCalls++;
        input.position(input.limit()); // the core discards what the backend sent before the handshake
    }

    @Override
    public void close() {
        closed = true;
    }
}
