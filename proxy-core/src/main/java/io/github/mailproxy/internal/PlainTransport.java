package io.github.mailproxy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A transport without TLS: bytes go straight to and from the channel. */
final class PlainTransport implements Transport {

    private final SocketChannel channel;

    PlainTransport(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        channel.write(src);
    }

    @Override
    public boolean flush() {
        return true;
    }

    @Override
    public boolean hasBufferedInput() {
        return false;
    }

    @Override
    public boolean needsWrite() {
        return false;
    }

    @Override
    public int pendingBytes() {
        return 0;
    }

    @Override
    public boolean secured() {
        return false;
    }

    @Override
    public void release() {
    }
}
