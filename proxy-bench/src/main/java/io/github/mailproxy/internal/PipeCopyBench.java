package io.github.mailproxy.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The relay's copy step: {@link Pipe#onSourceReadable()} moving {@code size} bytes from one loopback
 * socket to another through a pooled direct buffer, as the event loop calls it for a readable backend.
 * The writes that feed the source and the reads that empty the destination are part of the op (both
 * are blocking loopback syscalls of similar cost), so compare sizes rather than read the figure as the
 * pipe's alone. {@code -prof gc} should show no allocation per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PipeCopyBench {

    /** Bytes per op: one read's worth and a large chunk of a message. */
    @Param({"16384", "262144"})
    public int size;

    private SocketChannel feeder;
    private SocketChannel drain;
    private Endpoint src;
    private Endpoint dst;
    private Pipe pipe;
    private ByteBuffer chunk;
    private ByteBuffer sink;

    /** Two loopback connections with the pipe between them. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            feeder = SocketChannel.open(server.getLocalAddress());
            SocketChannel srcChannel = server.accept();
            SocketChannel dstChannel = SocketChannel.open(server.getLocalAddress());
            drain = server.accept();
            feeder.configureBlocking(false);
            drain.configureBlocking(false);
            srcChannel.configureBlocking(false);
            dstChannel.configureBlocking(false);
            src = new Endpoint(srcChannel);
            dst = new Endpoint(dstChannel);
        }
        pipe = new Pipe(src, dst, new BufferPool(32 * 1024, 4, new AtomicInteger(), new AtomicInteger()));
        chunk = ByteBuffer.allocateDirect(size);
        sink = ByteBuffer.allocateDirect(size);
    }

    /** Closes the sockets. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pipe.close();
        feeder.close();
        drain.close();
        src.channel.close();
        dst.channel.close();
    }

    /**
     * @return bytes the pipe has relayed so far
     * @throws IOException never on loopback
     */
    @Benchmark
    public long copy() throws IOException {
        chunk.clear();
        sink.clear();
        long target = pipe.bytes + size;
        while (chunk.hasRemaining() || sink.hasRemaining()) {
            if (chunk.hasRemaining()) {
                feeder.write(chunk);
            }
            while (pipe.bytes < target && (pipe.pending() ? pipe.drain() : true)) {
                long before = pipe.bytes;
                pipe.onSourceReadable();
                if (pipe.bytes == before) {
                    break;
                }
            }
            if (pipe.pending()) {
                pipe.drain();
            }
            drain.read(sink);
        }
        return pipe.bytes;
    }
}
