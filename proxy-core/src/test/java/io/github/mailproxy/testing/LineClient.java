package io.github.mailproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking client of {@link LineProtocol} over a real socket, optionally from a chosen local
 * address, or over a socket the test connected itself (plain or TLS).
 */
public final class LineClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private LineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * @param from  the local address to connect from (such as {@code 127.0.0.2}), or {@code null}
     * @param proxy where the proxy listens
     * @return a connected client with a 10 s read timeout
     * @throws IOException if it cannot connect
     */
    public static LineClient connect(String from, InetSocketAddress proxy) throws IOException {
        Socket s = new Socket();
        try {
            s.setSoTimeout(10_000);
            if (from != null) {
                s.bind(new InetSocketAddress(from, 0));
            }
            s.connect(proxy, 10_000);
            return new LineClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /**
     * @param tls   trusts the proxy's test certificate ({@link TestTls#clientContext()})
     * @param proxy where the proxy listens with implicit TLS
     * @return a client with its handshake done and a 10 s read timeout
     * @throws IOException if it cannot connect or the handshake fails
     */
    public static LineClient connectTls(javax.net.ssl.SSLContext tls, InetSocketAddress proxy) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket();
        try {
            s.setSoTimeout(10_000);
            s.connect(proxy, 10_000);
            s.startHandshake();
            return new LineClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Starts TLS on this connection (after the server's STARTTLS/STLS go-ahead); this client is not
     * used afterwards.
     *
     * @param tls trusts the proxy's test certificate
     * @return a client over the encrypted connection
     * @throws IOException if the handshake fails
     */
    public LineClient startTls(javax.net.ssl.SSLContext tls) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                .createSocket(socket, "localhost", socket.getPort(), true);
        s.startHandshake();
        return new LineClient(s);
    }

    /** @return the socket's input, for bytes that are not lines (read lines through this client only before) */
    public InputStream input() {
        return in;
    }

    /** @return the socket's output */
    public OutputStream output() {
        return out;
    }

    /** @return the socket */
    public Socket socket() {
        return socket;
    }

    /**
     * @param socket a connected socket, plain or TLS; closed by {@link #close()}
     * @return a client over it
     * @throws IOException if its streams cannot be had
     */
    public static LineClient over(Socket socket) throws IOException {
        return new LineClient(socket);
    }

    /**
     * @param text what to send, CRLF included
     * @throws IOException if the write fails
     */
    public void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * @param bytes raw bytes to send, such as a PROXY protocol header
     * @throws IOException if the write fails
     */
    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * @return the next line without CRLF, or {@code null} at the end of the stream
     * @throws IOException if the read fails or times out
     */
    public String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /**
     * @param command a command line without CRLF
     * @return the reply line
     * @throws IOException if the exchange fails
     */
    public String command(String command) throws IOException {
        send(command + "\r\n");
        return line();
    }

    /**
     * Sends the payload from another thread while reading the same number of bytes back (an echo).
     *
     * @param payload the bytes to send
     * @return the bytes read back
     * @throws IOException if the read fails or times out
     */
    public byte[] exchange(byte[] payload) throws IOException {
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] back = in.readNBytes(payload.length);
        writer.join();
        return back;
    }

    /** @return the local port of the connection */
    public int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
