package io.github.mailproxy.pop3;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * POP3 pre-login framing and decoding: CAPA, USER, PASS and AUTH PLAIN with an initial response,
 * through a fresh reader per conversation, fed in {@code chunk}-byte reads ({@code 0}: one read per
 * command). Score is per command; run with {@code -prof gc} for bytes allocated per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Pop3CommandReaderBench {

    private static final String[] COMMANDS = {
        "CAPA\r\n",
        "USER alice@example.org\r\n",
        "PASS correct horse battery\r\n",
        "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==\r\n",
    };

    /** Read size in bytes; 0 means one read per command. */
    @Param({"0", "7"})
    public int chunk;

    private byte[][] reads;
    private final ByteBuffer in = ByteBuffer.allocate(4096);

    /** Cuts the conversation into reads. */
    @Setup
    public void setUp() {
        java.util.List<byte[]> list = new java.util.ArrayList<>();
        for (String c : COMMANDS) {
            byte[] b = c.getBytes(StandardCharsets.US_ASCII);
            int step = chunk == 0 ? b.length : chunk;
            for (int i = 0; i < b.length; i += step) {
                list.add(java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + step)));
            }
        }
        reads = list.toArray(new byte[0][]);
    }

    /**
     * @param bh sink
     * @return commands decoded
     */
    @Benchmark
    @OperationsPerInvocation(4)
    public int conversation(Blackhole bh) {
        Pop3CommandReader reader = new Pop3CommandReader(8192);
        in.clear();
        int commands = 0;
        for (byte[] read : reads) {
            in.put(read).flip();
            Pop3Command c;
            while ((c = reader.next(in, false)) != null) {
                bh.consume(c);
                commands++;
            }
            in.compact();
        }
        if (commands != 4) {
            throw new IllegalStateException("decoded " + commands + " commands, expected 4");
        }
        return commands;
    }
}
