package io.github.mailproxy.imap;

import io.github.mailproxy.spi.BackendConnection;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** An in-memory {@link BackendConnection} that records what the login client sends. */
final class FakeBackendConnection implements BackendConnection {

    final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    boolean closed;
    boolean tlsStarted;

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("203.0.113.5", 143);
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("203.0.113.1", 50000);
    }

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

    @Override
    public void startTls() {
        tlsStarted = true;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** @return what was sent since the last call, and forgets it */
    String take() {
        String s = sent.toString(StandardCharsets.UTF_8);
        sent.reset();
        return s;
    }
}
