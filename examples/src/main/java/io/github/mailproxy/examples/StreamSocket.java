package io.github.mailproxy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;

/**
 * A {@link Socket} that is only a pair of streams, for servers whose protocol handlers take a socket
 * (GreenMail's {@code ImapHandler} and {@code Pop3Handler}) when the connection is a local session's
 * streams: the streams, the client's address for their logs, and close. No socket is opened.
 */
final class StreamSocket extends Socket {

    private final InputStream in;
    private final OutputStream out;
    private final InetAddress client;
    private final int port;
    private volatile boolean closed;

    /**
     * @param in     from the client
     * @param out    to the client
     * @param client the client's address
     * @param port   the client's port
     */
    StreamSocket(InputStream in, OutputStream out, InetAddress client, int port) {
        this.in = in;
        this.out = out;
        this.client = client;
        this.port = port;
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public InetAddress getInetAddress() {
        return client;
    }

    @Override
    public int getPort() {
        return port;
    }

    /** @return 0: reads wait for the client, whose idle time the proxy does not bound after login */
    @Override
    public int getSoTimeout() {
        return 0;
    }

    @Override
    public void setSoTimeout(int timeout) {
        // the streams have no timeout of their own
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isConnected() {
        return !closed;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                out.close();
            } finally {
                in.close();
            }
        }
    }
}
