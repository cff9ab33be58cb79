package io.github.mailproxy.testing;

import io.github.mailproxy.ProxyServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A client that pipelines one command by the megabyte and never reads a reply: what makes a server
 * that queues replies without bound grow its heap. It writes from a thread of its own until the
 * server stops taking input (its writes block), {@link #MAX_BYTES} is sent, or it is closed.
 */
public final class UnreadFlood implements AutoCloseable {

    /** The most it sends; a server that keeps reading takes all of it. */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    /** The TCP socket, closed directly: closing a TLS socket would wait for the blocked writer. */
    private final Socket tcp;
    private final Thread writer;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean writerDone;

    private UnreadFlood(Socket socket, Socket tcp, String command) {
        this.tcp = tcp;
        byte[] one = (command + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[(64 * 1024 / one.length) * one.length];
        for (int i = 0; i < block.length; i += one.length) {
            System.arraycopy(one, 0, block, i, one.length);
        }
        this.writer = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                while (sent.get() < MAX_BYTES) {
                    out.write(block);
                    sent.addAndGet(block.length);
                }
            } catch (IOException e) {
                // closed by the test or the server: the flood is over
            } finally {
                writerDone = true;
            }
        }, "unread-flood");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Connects in the clear and starts flooding.
     *
     * @param port    the server's port on 127.0.0.1
     * @param command the command line to repeat, without its line end
     * @return the flood
     * @throws IOException if the connection fails
     */
    public static UnreadFlood start(int port, String command) throws IOException {
        Socket s = connect(new Socket(), port);
        return new UnreadFlood(s, s, command);
    }

    /**
     * Connects with implicit TLS, completes the handshake, and starts flooding.
     *
     * @param port    the server's port on 127.0.0.1
     * @param command the command line to repeat, without its line end
     * @param context trusts the server's certificate
     * @return the flood
     * @throws IOException if the connection or the handshake fails
     */
    public static UnreadFlood startTls(int port, String command, SSLContext context) throws IOException {
        Socket plain = connect(new Socket(), port);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
        tls.startHandshake();
        return new UnreadFlood(tls, plain, command);
    }

    private static Socket connect(Socket s, int port) throws IOException {
        // a small window: the server's replies back up after a few KB instead of megabytes
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    /** @return bytes written so far */
    public long sent() {
        return sent.get();
    }

    /**
     * Watches the server's queued reply bytes until they pass {@code heldAbove}, sampling as often as
     * it can. The end is decided by the server's own state, never by a pause in the flood: on
     * loopback the kernel may buffer megabytes of commands and replies (send buffers start near
     * {@code tcp_wmem}'s maximum), so the writer can stay blocked for seconds while the server is
     * still working through them, and a server that stopped reading looks no different for a while.
     * A server that never holds its input takes all of {@link #MAX_BYTES}: the watch ends then too.
     *
     * @param server    the proxy under test
     * @param heldAbove the queued reply bytes past which the server holds this client's input (with
     *                  one flooding client, its {@code maxPendingOutput} in the clear)
     * @param timeout   how long to watch at most
     * @return the largest {@code queuedReplyBytes} seen
     * @throws AssertionError if neither happens in time
     */
    public long watchUntilHeld(ProxyServer server, long heldAbove, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long max = 0;
        while (max <= heldAbove && !writerDone) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for queued replies over "
                        + heldAbove + "; largest seen " + max + ", sent " + sent.get());
            }
            max = Math.max(max, server.stats().queuedReplyBytes());
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a sampling rate, not a wait for an event
        }
        return Math.max(max, server.stats().queuedReplyBytes());
    }

    /**
     * Watches the server's queued reply bytes until the flood stalls (nothing more sent for a
     * second: the server stopped reading) or ends, sampling as often as it can.
     *
     * <p>A pause is no proof on its own (see {@link #watchUntilHeld}); only for a server whose held
     * state its queued replies do not show (TLS, whose transport holds encrypted bytes of its own).
     *
     * @param server  the proxy under test
     * @param timeout how long to watch at most
     * @return the largest {@code queuedReplyBytes} seen
     */
    public long watchUntilStalled(ProxyServer server, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long max = 0;
        long lastSent = -1;
        long lastProgress = System.nanoTime();
        while (System.nanoTime() - deadline < 0 && !writerDone) {
            max = Math.max(max, server.stats().queuedReplyBytes());
            long now = sent.get();
            if (now != lastSent) {
                lastSent = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(1)) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a sampling rate, not a wait for an event
        }
        return Math.max(max, server.stats().queuedReplyBytes());
    }

    /** @return whether the writer is still at work: everything sent, or the connection failed, ends it */
    public boolean writing() {
        return !writerDone;
    }

    /** Closes the connection without reading anything; the writer ends. */
    @Override
    public void close() throws IOException {
        tcp.close();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
