package io.github.mailproxy.imap;

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
 * IMAP pre-login decoding as a mail client sends it: CAPABILITY, ID with a client's fields, LOGIN
 * with quoted strings and LOGIN with non-synchronizing literals (RFC 7888). One invocation is one
 * client's whole pre-login conversation through a fresh decoder, fed in {@code chunk}-byte reads
 * ({@code 0}: each command in one read, as on a LAN; small values: a slow link splitting lines).
 * Score is per command; run with {@code -prof gc} for bytes allocated per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ImapDecoderBench {

    private static final String[] COMMANDS = {
        "a1 CAPABILITY\r\n",
        "a2 ID (\"name\" \"Thunderbird\" \"version\" \"115.6.0\" \"os\" \"Linux\")\r\n",
        "a3 LOGIN \"alice@example.org\" \"correct horse battery\"\r\n",
        "a4 LOGIN {17+}\r\nalice@example.org {21+}\r\ncorrect horse battery\r\n",
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
     * @return commands decoded, checked by the harness not to be optimised away
     */
    @Benchmark
    @OperationsPerInvocation(4)
    public int conversation(Blackhole bh) {
        ImapDecoder decoder = new ImapDecoder(8192, 8192);
        in.clear();
        int commands = 0;
        for (byte[] read : reads) {
            in.put(read).flip();
            while (true) {
                ImapDecoder.Result r = decoder.next(in);
                if (r.kind() == ImapDecoder.Kind.NEED_MORE) {
                    break;
                }
                bh.consume(r);
                if (r.kind() == ImapDecoder.Kind.COMMAND) {
                    commands++;
                }
            }
            in.compact();
        }
        if (commands != 4) {
            throw new IllegalStateException("decoded " + commands + " commands, expected 4");
        }
        return commands;
    }
}
