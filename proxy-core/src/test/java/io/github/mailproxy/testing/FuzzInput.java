package io.github.mailproxy.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A fuzz input read in a plain layout, so that the committed seed files can be written and read by
 * hand: the first byte holds option bits for the target, the rest is text whose lines are the
 * target's fields (the last field takes the rest, line ends included).
 *
 * <pre>{@code
 * FuzzInput in = FuzzInput.of(bytes);          // seed file "A" + "bob\n{PLAIN}secret"
 * String password = in.field(0, 2);            // "bob"
 * String stored = in.field(1, 2);              // "{PLAIN}secret"
 * }</pre>
 */
public final class FuzzInput {

    private final int options;
    private final byte[] body;

    private FuzzInput(int options, byte[] body) {
        this.options = options;
        this.body = body;
    }

    /**
     * @param data the fuzzer's bytes
     * @return the input; all options clear and an empty body for empty data
     */
    public static FuzzInput of(byte[] data) {
        return data.length == 0
                ? new FuzzInput(0, new byte[0])
                : new FuzzInput(data[0] & 0xff, Arrays.copyOfRange(data, 1, data.length));
    }

    /**
     * @param bit 0 to 7
     * @return whether that option bit of the first byte is set
     */
    public boolean option(int bit) {
        return (options & (1 << bit)) != 0;
    }

    /** @return the first byte, for targets that derive a seed from it */
    public int options() {
        return options;
    }

    /** @return everything after the first byte */
    public byte[] body() {
        return body.clone();
    }

    /**
     * @param index which field, from 0
     * @param count how many fields the target reads; the last one takes the rest of the body
     * @return the field as UTF-8 (malformed bytes replaced), {@code ""} when the body has fewer
     */
    public String field(int index, int count) {
        String text = new String(body, StandardCharsets.UTF_8);
        String[] fields = text.split("\n", count);
        return index < fields.length ? fields[index] : "";
    }

    /**
     * Cuts a byte stream into chunks of random sizes, as the network would deliver it.
     *
     * @param stream the bytes
     * @param seed   decides the cuts, so that a finding replays the same way
     * @return the chunks in order; together exactly {@code stream}
     */
    public static List<byte[]> chunks(byte[] stream, long seed) {
        Random random = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            // mostly small pieces, where boundaries bite; sometimes everything at once
            int size = random.nextInt(8) == 0 ? stream.length - at : 1 + random.nextInt(Math.min(16, stream.length - at));
            chunks.add(Arrays.copyOfRange(stream, at, at + size));
            at += size;
        }
        return chunks;
    }
}
