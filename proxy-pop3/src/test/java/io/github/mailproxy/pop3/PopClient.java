package io.github.mailproxy.pop3;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A raw-socket POP3 client for conversation tests: sends exactly the bytes given, reads line by line. */
final class PopClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private PopClient(Socket socket) throws IOException {
        use(socket);
    }

    /** Connects to 127.0.0.1:port with a ten-second read timeout. */
    static PopClient connect(int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return new PopClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects with TLS from the first byte. */
    static PopClient connectTls(int port, SSLContext context) {
        try {
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
            s.startHandshake();
            return new PopClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** @return the local port of the connection */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Makes {@link #close()} reset the connection (RST) instead of closing it cleanly. */
    void resetOnClose() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the text as UTF-8, exactly. */
    void send(String raw) {
        send(raw.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] raw) {
        try {
            out.write(raw);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one command line and reads the one-line reply. */
    String command(String line) {
        send(line + "\r\n");
        return readLine();
    }

    /** @return the next line without CRLF, or {@code null} at end of stream */
    String readLine() {
        byte[] line = readLineBytes();
        return line == null ? null : new String(line, 0, line.length - 2, StandardCharsets.UTF_8);
    }

    /** @return the next line with its CRLF, or {@code null} at end of stream */
    byte[] readLineBytes() {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                buf.write(b);
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    if (bytes.length < 2 || bytes[bytes.length - 2] != '\r') {
                        throw new IllegalStateException("line without CRLF: " + buf);
                    }
                    return bytes;
                }
            }
            if (buf.size() > 0) {
                throw new IllegalStateException("stream ended inside a line: " + buf);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the lines of a multi-line response after its status line, up to the final dot. */
    List<String> readMultiline() {
        List<String> lines = new ArrayList<>();
        String line;
        while (!(line = readLine()).equals(".")) {
            lines.add(line);
        }
        return lines;
    }

    /** Reads a multi-line response's raw bytes, status line and final dot included. */
    byte[] readMultilineBytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] line = readLineBytes();
        all.writeBytes(line);
        if (line[0] != '+') {
            return all.toByteArray();
        }
        do {
            line = readLineBytes();
            all.writeBytes(line);
        } while (!Arrays.equals(line, new byte[] {'.', '\r', '\n'}));
        return all.toByteArray();
    }

    /** @return whether the peer closed the connection (with nothing more to read) */
    boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true; // a reset is a close too
        }
    }

    /** Layers TLS over the connection, as after STLS. */
    void startTls(SSLContext context) {
        try {
            SSLSocket tls = (SSLSocket) context.getSocketFactory()
                    .createSocket(socket, "127.0.0.1", socket.getPort(), true);
            tls.startHandshake();
            use(tls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a test socket; nothing to do
        }
    }
}
