package io.github.mailproxy.imap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Feeds bytes to a decoder the way the core does: into one buffer that keeps what was not consumed,
 * offering it again after each chunk. Used to run every parser input whole, split at each byte
 * boundary, and one byte at a time.
 */
final class Chunks {

    private Chunks() {
    }

    /** Every way of cutting the input that the tests try: whole, each two-piece split, byte by byte. */
    static List<List<byte[]>> splits(String input) {
        return splits(input.getBytes(StandardCharsets.UTF_8));
    }

    /** The same for input that need not be UTF-8. */
    static List<List<byte[]>> splits(byte[] bytes) {
        List<List<byte[]>> all = new ArrayList<>();
        all.add(List.of(bytes));
        for (int cut = 1; cut < bytes.length; cut++) {
            all.add(List.of(slice(bytes, 0, cut), slice(bytes, cut, bytes.length)));
        }
        List<byte[]> single = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            single.add(slice(bytes, i, i + 1));
        }
        all.add(single);
        return all;
    }

    /**
     * Feeds the chunks, calling {@code step} after each until it reports no progress.
     *
     * @param chunks the input in pieces
     * @param step   consumes from the buffer; returns an event to record, or {@code null} for "need more"
     * @return the events in order
     */
    static List<String> feed(List<byte[]> chunks, Function<ByteBuffer, String> step) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        List<String> events = new ArrayList<>();
        for (byte[] chunk : chunks) {
            buffer.put(chunk).flip();
            String event;
            while ((event = step.apply(buffer)) != null) {
                events.add(event);
            }
            buffer.compact();
        }
        return events;
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(bytes, from, out, 0, out.length);
        return out;
    }
}
