package io.github.mailproxy.internal;

import io.github.mailproxy.LocalSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocking streams over a {@link LocalSession}, for {@code LocalStreams}: the loop side receives input
 * into a bounded ring and leaves what does not fit in the session (which then stops reading the
 * client); the application's thread reads the ring, and its writes go to the loop as tasks, blocking
 * while too much is on its way or unsent. One lock guards the shared state; the loop never waits on it
 * for longer than a copy.
 */
public final class StreamBridge implements LocalSession.Receiver {

    /** What a blocking server does with a session; {@code LocalStreams.Service} without the public type. */
    public interface Body {
        /**
         * @param session the session
         * @param in      from the client
         * @param out     to the client
         * @throws IOException when the streams fail
         */
        void serve(LocalSession session, InputStream in, OutputStream out) throws IOException;
    }

    static final int INPUT_CAPACITY = 64 * 1024;
    static final int OUTPUT_LIMIT = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(StreamBridge.class);

    private final LocalSession session;
    private final Object lock = new Object();
    private final byte[] ring = new byte[INPUT_CAPACITY];
    private int head;
    private int count;
    /** The session holds client input the ring had no room for, and reads no more until resumed. */
    private boolean inputHeld;
    /** The session has closed: no more input, no more output. */
    private boolean gone;
    /** The application closed a stream: the session is closing. */
    private boolean closedHere;
    /** Bytes handed to the loop and not yet queued on the session. */
    private long posted;
    /** Bytes queued on the session and not yet sent, as last seen on the loop. */
    private long unsent;

    private StreamBridge(LocalSession session) {
        this.session = session;
    }

    /**
     * Starts serving a session on the executor. Called on the session's loop.
     *
     * @param session  the session
     * @param executor where the body runs
     * @param body     the server
     * @return the receiver of the session's events
     */
    public static StreamBridge start(LocalSession session, Executor executor, Body body) {
        StreamBridge bridge = new StreamBridge(session);
        try {
            executor.execute(() -> bridge.run(body));
        } catch (RejectedExecutionException e) {
            LOG.warn("session={} msg=\"local session refused: the executor is full\"", session.id());
            session.loop().execute(session::close);
        }
        return bridge;
    }

    private void run(Body body) {
        try {
            body.serve(session, new In(), new Out());
        } catch (IOException e) {
            LOG.debug("session={} msg=\"local session ended\" error={}", session.id(), e.getClass().getName());
        } catch (RuntimeException e) {
            LOG.warn("session={} msg=\"local session failed\" error={}", session.id(), e.getClass().getName(), e);
        } finally {
            closeSession();
        }
    }

    // ---- the loop's side ----

    @Override
    public void onInput(ByteBuffer input) {
        synchronized (lock) {
            while (input.hasRemaining() && count < ring.length) {
                int tail = (head + count) % ring.length;
                int n = Math.min(input.remaining(), Math.min(ring.length - count, ring.length - tail));
                input.get(ring, tail, n);
                count += n;
            }
            inputHeld = input.hasRemaining();
            lock.notifyAll();
        }
    }

    @Override
    public void onWritable() {
        long now = session.unsentBytes();
        synchronized (lock) {
            unsent = now;
            lock.notifyAll();
        }
    }

    @Override
    public void onClosed() {
        synchronized (lock) {
            gone = true;
            lock.notifyAll();
        }
    }

    /** On the loop: queues bytes the application wrote. */
    private void deliver(byte[] bytes) {
        session.write(ByteBuffer.wrap(bytes));
        long now = session.unsentBytes();
        synchronized (lock) {
            posted -= bytes.length;
            unsent = now;
            lock.notifyAll();
        }
    }

    // ---- the application's side ----

    /** Runs a task on the loop; false when the loop has stopped (the server is closed). */
    private boolean post(Runnable task) {
        try {
            session.loop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void closeSession() {
        synchronized (lock) {
            if (closedHere) {
                return;
            }
            closedHere = true;
            lock.notifyAll();
        }
        post(session::close);
    }

    private static void await(Object lock) throws InterruptedIOException {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the client");
        }
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        boolean resume = false;
        int n;
        synchronized (lock) {
            while (count == 0 && !gone && !closedHere) {
                await(lock);
            }
            if (count == 0) {
                return -1;
            }
            n = Math.min(len, Math.min(count, ring.length - head));
            System.arraycopy(ring, head, b, off, n);
            head = (head + n) % ring.length;
            count -= n;
            if (inputHeld && count <= ring.length / 2) {
                inputHeld = false;
                resume = true;
            }
        }
        if (resume) {
            post(session::resumeInput);
        }
        return n;
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            int n = Math.min(len, OUTPUT_LIMIT / 4);
            synchronized (lock) {
                while (!gone && !closedHere && posted + unsent >= OUTPUT_LIMIT) {
                    await(lock);
                }
                if (gone || closedHere) {
                    throw new IOException("the client connection is closed");
                }
                posted += n;
            }
            byte[] copy = Arrays.copyOfRange(b, off, off + n);
            if (!post(() -> deliver(copy))) {
                throw new IOException("the server is closed");
            }
            off += n;
            len -= n;
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return StreamBridge.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return StreamBridge.this.read(b, off, len);
        }

        @Override
        public int available() {
            synchronized (lock) {
                return count;
            }
        }

        @Override
        public void close() {
            closeSession();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            StreamBridge.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            StreamBridge.this.write(b, off, len);
        }

        @Override
        public void close() {
            closeSession();
        }
    }

    @Override
    public String toString() {
        return "StreamBridge[" + session.id() + "]";
    }
}
