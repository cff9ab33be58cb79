package io.github.mailproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A blocking TLS client built on {@link SSLEngine}, for what {@code SSLSocket} hides: whether the
 * peer ended the connection with {@code close_notify} or just closed it, and sending
 * {@code close_notify} while the socket stays open. Test use only; one thread.
 */
public final class TlsEngineClient implements Closeable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    /** Received records, in write mode. */
    private ByteBuffer netIn;
    /** Decrypted bytes not yet taken, in write mode. */
    private ByteBuffer appIn;
    private boolean eof;

    /**
     * Starts TLS on a connected socket and completes the handshake.
     *
     * @param socket  a connected socket with a read timeout; closed by {@link #close()}
     * @param context the client context (trusting the server's certificate)
     */
    public TlsEngineClient(Socket socket, SSLContext context) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = context.createSSLEngine("localhost", socket.getPort());
        engine.setUseClientMode(true);
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        engine.beginHandshake();
        while (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                && engine.getHandshakeStatus() != HandshakeStatus.FINISHED) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(EMPTY);
                case NEED_TASK -> engine.getDelegatedTask().run();
                default -> {
                    if (!unwrap()) {
                        throw new SSLException("the server closed the connection during the handshake");
                    }
                }
            }
        }
    }

    /** Sends text, encrypted. */
    public void send(String text) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (src.hasRemaining()) {
            wrap(src);
        }
    }

    /** @return the next line without CRLF, or null when the input ended */
    public String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            appIn.flip();
            while (appIn.hasRemaining()) {
                byte b = appIn.get();
                if (b == '\n') {
                    appIn.compact();
                    String s = line.toString(StandardCharsets.US_ASCII);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                line.write(b);
            }
            appIn.clear();
            if (!unwrap()) {
                return null;
            }
        }
    }

    /**
     * Reads until the server ends the connection, discarding what comes.
     *
     * @return true if it ended TLS with {@code close_notify}; false if it only closed the socket
     */
    public boolean endsWithCloseNotify() throws IOException {
        while (unwrap()) {
            appIn.clear();
        }
        return engine.isInboundDone();
    }

    /** Sends {@code close_notify}, leaving the socket open to read the server's answer. */
    public void closeOutbound() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            wrap(EMPTY);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void wrap(ByteBuffer src) throws IOException {
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult r = engine.wrap(src, net);
        if (r.getStatus() != SSLEngineResult.Status.OK && r.getStatus() != SSLEngineResult.Status.CLOSED) {
            throw new SSLException("wrap: " + r);
        }
        out.write(net.array(), 0, net.position());
        out.flush();
    }

    /** Unwraps one record, reading as needed. @return false once the input has ended, either way */
    private boolean unwrap() throws IOException {
        if (engine.isInboundDone()) {
            return false;
        }
        for (;;) {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            switch (r.getStatus()) {
                case OK:
                    return true;
                case CLOSED:
                    return false;
                case BUFFER_OVERFLOW:
                    ByteBuffer bigger = ByteBuffer.allocate(appIn.capacity() * 2);
                    appIn.flip();
                    appIn = bigger.put(appIn);
                    break;
                default: // BUFFER_UNDERFLOW
                    if (eof) {
                        return false;
                    }
                    int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
                    if (n < 0) {
                        eof = true;
                        return false;
                    }
                    netIn.position(netIn.position() + n);
                    break;
            }
        }
    }
}
