package io.github.mailproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The load generator: many IMAP or POP3 client connections on one thread and one {@link Selector},
 * each running a short script of {@link Exchange}s. One thread with non-blocking sockets spends a
 * few microseconds per reply, so on two cores the proxies, not the generator, set the pace.
 */
final class ScriptedClients implements AutoCloseable {

    /** Outcome of {@link #loop}. */
    record LoopResult(long completed, long failed, double seconds, long[] latencyNanos) {
        double perSecond() {
            return completed / seconds;
        }
    }

    private final InetSocketAddress address;
    private final Selector selector;
    private final List<Conn> held = new ArrayList<>();

    ScriptedClients(InetSocketAddress address) throws IOException {
        this.address = address;
        this.selector = Selector.open();
    }

    /**
     * Logins: {@code clients} connections each run {@code script} to its end, close and start again,
     * until {@code seconds} have passed; in-flight scripts are then finished.
     */
    LoopResult loop(int clients, IntFunction<List<Exchange>> script, double seconds) throws IOException {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long[][] lat = {new long[4096]};
        int[] n = {0};
        long[] failed = {0};
        int[] next = {0};
        int[] open = {0};
        Listener listener = new Listener() {
            @Override
            public void done(Conn c, boolean ok) throws IOException {
                c.close();
                open[0]--;
                if (ok) {
                    if (n[0] == lat[0].length) {
                        lat[0] = java.util.Arrays.copyOf(lat[0], n[0] * 2);
                    }
                    lat[0][n[0]++] = System.nanoTime() - c.started;
                } else {
                    failed[0]++;
                }
                if (System.nanoTime() < deadline) {
                    connect(script.apply(next[0]++), this);
                    open[0]++;
                }
            }
        };
        for (int i = 0; i < clients; i++) {
            connect(script.apply(next[0]++), listener);
            open[0]++;
        }
        long end = deadline + 30_000_000_000L;
        while (open[0] > 0 && System.nanoTime() < end) {
            pump(100);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] kept = java.util.Arrays.copyOf(lat[0], n[0]);
        java.util.Arrays.sort(kept);
        return new LoopResult(n[0], failed[0] + open[0], elapsed, kept);
    }

    /**
     * Opens {@code count} sessions that run {@code script} and stay open, at most {@code window}
     * logging in at a time.
     *
     * @return how many sessions are held afterwards
     */
    int open(int count, int window, IntFunction<List<Exchange>> script) throws IOException {
        int[] started = {0};
        int[] inFlight = {0};
        Listener listener = new Listener() {
            @Override
            public void done(Conn c, boolean ok) throws IOException {
                inFlight[0]--;
                if (ok) {
                    held.add(c);
                } else {
                    c.close();
                }
                if (started[0] < count) {
                    connect(script.apply(started[0]++), this);
                    inFlight[0]++;
                }
            }
        };
        while (started[0] < Math.min(window, count)) {
            connect(script.apply(started[0]++), listener);
            inFlight[0]++;
        }
        long end = System.nanoTime() + 120_000_000_000L;
        while (inFlight[0] > 0 && System.nanoTime() < end) {
            pump(100);
        }
        return held.size();
    }

    /**
     * Runs {@code script} on every held session at once.
     *
     * @return how many completed it successfully; those keep being held
     */
    int runOnHeld(List<Exchange> script) throws IOException {
        List<Conn> all = new ArrayList<>(held);
        held.clear();
        int[] pending = {all.size()};
        Listener listener = (c, ok) -> {
            pending[0]--;
            if (ok) {
                held.add(c);
            } else {
                c.close();
            }
        };
        for (Conn c : all) {
            c.restart(script, listener);
        }
        long end = System.nanoTime() + 60_000_000_000L;
        while (pending[0] > 0 && System.nanoTime() < end) {
            pump(100);
        }
        return held.size();
    }

    /** Closes every held session without logging out. */
    void closeHeld() {
        for (Conn c : held) {
            c.close();
        }
        held.clear();
    }

    @Override
    public void close() throws IOException {
        closeHeld();
        selector.close();
    }

    private void connect(List<Exchange> script, Listener listener) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Conn c = new Conn(ch, script, listener);
        if (ch.connect(address)) {
            ch.register(selector, SelectionKey.OP_READ, c);
        } else {
            ch.register(selector, SelectionKey.OP_CONNECT, c);
        }
    }

    private void pump(long timeoutMillis) throws IOException {
        selector.select(key -> {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isConnectable()) {
                    c.channel.finishConnect();
                    key.interestOps(SelectionKey.OP_READ);
                    c.advanceWithoutReply();
                } else if (key.isReadable()) {
                    c.onReadable();
                }
            } catch (IOException e) {
                c.fail();
            }
        }, timeoutMillis);
    }

    @FunctionalInterface
    private interface Listener {
        void done(Conn c, boolean ok) throws IOException;
    }

    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        final long started = System.nanoTime();
        List<Exchange> script;
        Listener listener;
        int step;
        boolean finished;

        Conn(SocketChannel channel, List<Exchange> script, Listener listener) {
            this.channel = channel;
            this.script = script;
            this.listener = listener;
        }

        void restart(List<Exchange> newScript, Listener newListener) throws IOException {
            script = newScript;
            listener = newListener;
            step = 0;
            finished = false;
            advanceWithoutReply();
        }

        /** Sends the current command if it needs no reply first (anything but a greeting). */
        void advanceWithoutReply() throws IOException {
            if (script.get(step).command() != null) {
                send(script.get(step).bytes());
            }
        }

        void onReadable() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                fail();
                return;
            }
            in.flip();
            while (!finished) {
                String line = nextLine();
                if (line == null) {
                    break;
                }
                Exchange ex = script.get(step);
                if (!ex.isFinal(line)) {
                    continue;
                }
                if (!ex.isOk(line)) {
                    fail();
                    return;
                }
                step++;
                if (step == script.size()) {
                    finished = true;
                    in.clear();
                    listener.done(this, true);
                    return;
                }
                send(script.get(step).bytes());
            }
            in.compact();
            if (!in.hasRemaining()) {
                fail(); // a line longer than the buffer: not a reply this benchmark expects
            }
        }

        private String nextLine() {
            for (int i = in.position(); i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    int len = i - in.position();
                    String line = new String(in.array(), in.position(), len, StandardCharsets.US_ASCII);
                    in.position(i + 1);
                    return line;
                }
            }
            return null;
        }

        private void send(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            channel.write(b);
            if (b.hasRemaining()) {
                throw new IOException("send buffer full on a fresh connection");
            }
        }

        void fail() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                listener.done(this, false);
            } catch (IOException e) {
                close();
            }
            close();
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }
}
