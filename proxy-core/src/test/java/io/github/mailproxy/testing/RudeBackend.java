package io.github.mailproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A backend that serves exactly one connection from a script written as plain blocking code, for the
 * behaviours a real mail server never shows: half-closing, resetting, going silent, sending garbage. It
 * can also see the proxy's bytes exactly as they arrive ({@link Connection#readLineBytes()}), with no
 * charset decoding between the test and what the proxy sent, so that a test can tell {@code 0xE4} from
 * {@code EF BF BD}. It binds 127.0.0.1 on a free port; the script runs on its own thread and its failure
 * fails {@link #finish()}.
 *
 * <pre>{@code
 * try (RudeBackend backend = RudeBackend.serve(c -> {
 *     c.send("* OK ready\r\n");
 *     c.readLine();            // the proxy's LOGIN
 *     c.halfClose();           // FIN towards the proxy, still reading
 *     c.awaitEndOfStream();    // the proxy must close its side
 * })) { ... backend.finish(); }
 * }</pre>
 */
public final class RudeBackend implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    /** What the backend does with its one connection. */
    @FunctionalInterface
    public interface Script {
        /**
         * @param connection the accepted connection; closed when the script returns
         * @throws IOException when the connection fails, which fails {@link #finish()}
         */
        void run(Connection connection) throws IOException;
    }

    /** The accepted connection, as the script sees it. */
    public static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /**
         * @param text written as UTF-8 and flushed
         * @throws IOException if the write fails
         */
        public void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * @param bytes written as they are and flushed
         * @throws IOException if the write fails
         */
        public void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /**
         * Sends more than the proxy should take: the proxy may hang up, with the rest unread, before
         * the last byte is written (then the write fails with a reset or a broken pipe, by how much
         * the kernel's buffers took), which is what a test of that bound expects.
         *
         * @param parts written in order, as UTF-8
         * @return whether everything was written; false when the proxy hung up first
         */
        public boolean sendUnlessHungUp(String... parts) {
            try {
                for (String part : parts) {
                    send(part);
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /**
         * @param n how many bytes to read
         * @return exactly that many bytes
         * @throws IOException if the stream ends first or nothing comes within ten seconds
         */
        public byte[] readExactly(int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length != n) {
                throw new java.io.EOFException("end of stream after " + bytes.length + " of " + n + " bytes");
            }
            return bytes;
        }

        /** @return the address the proxy connected from */
        public java.net.InetSocketAddress remoteAddress() {
            return (java.net.InetSocketAddress) socket.getRemoteSocketAddress();
        }

        /**
         * @return the next line without CRLF, or {@code null} at end of stream
         * @throws IOException if nothing comes within ten seconds
         */
        public String readLine() throws IOException {
            byte[] line = readLineBytes();
            return line == null ? null : new String(line, StandardCharsets.UTF_8);
        }

        /**
         * @return the next line as ISO-8859-1 text (one character per byte), or {@code null} at end of stream
         * @throws IOException if nothing comes within ten seconds
         */
        public String readLineText() throws IOException {
            byte[] line = readLineBytes();
            return line == null ? null : new String(line, StandardCharsets.ISO_8859_1);
        }

        /**
         * @return the next line's bytes without CR LF, or {@code null} at end of stream
         * @throws IOException if nothing comes within ten seconds
         */
        public byte[] readLineBytes() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return java.util.Arrays.copyOf(bytes, length);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toByteArray();
        }

        /**
         * Reads an IMAP command whose lines end with a literal announcement ({@code {n}} or
         * {@code {n+}}) up to its last line, literals included; answers a synchronizing literal
         * with {@code + go}. Literal contents must not hold a line end.
         *
         * @return the command's bytes, lines joined with CR LF, without the final CR LF
         * @throws IOException if the stream ends or stalls
         */
        public byte[] readImapCommand() throws IOException {
            ByteArrayOutputStream command = new ByteArrayOutputStream();
            while (true) {
                byte[] line = readLineBytes();
                if (line == null) {
                    throw new IOException("end of stream inside a command");
                }
                command.write(line);
                if (line.length < 3 || line[line.length - 1] != '}') {
                    return command.toByteArray();
                }
                command.write('\r');
                command.write('\n');
                if (line[line.length - 2] != '+') {
                    send("+ go\r\n");
                }
            }
        }

        /**
         * Sends FIN and goes on reading: the half-close of a backend that is done talking.
         *
         * @throws IOException if the socket fails
         */
        public void halfClose() throws IOException {
            socket.shutdownOutput();
        }

        /**
         * Closes with a reset (RST) rather than a FIN.
         *
         * @throws IOException if the socket fails
         */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /**
         * Reads and drops everything until the peer closes.
         *
         * @return the bytes dropped, as UTF-8
         * @throws IOException if the peer does not close within ten seconds
         */
        public String awaitEndOfStream() throws IOException {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket listener;
    private final CompletableFuture<Void> done;

    private RudeBackend(Script script) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        done = CompletableFuture.runAsync(() -> {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                script.run(new Connection(s));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Listens and runs {@code script} on the first connection.
     *
     * @param script what to do with it
     * @return the backend, listening
     * @throws IOException if it cannot listen
     */
    public static RudeBackend serve(Script script) throws IOException {
        return new RudeBackend(script);
    }

    /** @return the port to route to */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Waits up to ten seconds for the script to end and rethrows what it threw.
     *
     * @throws AssertionError if the script failed or did not end
     */
    public void finish() {
        try {
            done.get(READ_TIMEOUT_MILLIS + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the backend script failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the backend script did not end", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops listening; a connection the script still holds is closed when the script ends. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
