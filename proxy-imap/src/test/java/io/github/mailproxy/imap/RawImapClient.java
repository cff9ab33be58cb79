package io.github.mailproxy.imap;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A plain-socket IMAP client for conversation tests: writes raw bytes, reads lines with a deadline. */
final class RawImapClient implements Closeable {

    private static final int DEADLINE_MILLIS = 10_000;

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawImapClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), DEADLINE_MILLIS);
        socket.setSoTimeout(DEADLINE_MILLIS);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** @return the local port of this client, as the proxy sees it */
    int localPort() {
        return socket.getLocalPort();
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * @return the next line without its line end, or {@code null} at end of stream
     * @throws SocketTimeoutException if no line comes within the deadline
     */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
            if (System.currentTimeMillis() > deadline) {
                throw new SocketTimeoutException("no complete line within the deadline: " + line);
            }
        }
    }

    /** @return the lines up to and including the one tagged {@code tag} */
    List<String> readUntilTagged(String tag) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed before the reply tagged " + tag + "; got " + lines);
            }
            lines.add(line);
            if (line.startsWith(tag + " ")) {
                return lines;
            }
        }
    }

    /** @return the reply tagged {@code tag}, skipping untagged lines */
    String tagged(String tag) throws IOException {
        List<String> lines = readUntilTagged(tag);
        return lines.get(lines.size() - 1);
    }

    /** @return whether the server closed the connection (end of stream within the deadline) */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Makes {@link #close()} reset the connection (RST) instead of closing it cleanly. */
    void resetOnClose() throws IOException {
        socket.setSoLinger(true, 0);
    }

    /** Upgrades this connection to TLS, after the server said OK to STARTTLS. */
    void startTls(SSLContext context) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        socket = tls;
        in = tls.getInputStream();
        out = tls.getOutputStream();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
