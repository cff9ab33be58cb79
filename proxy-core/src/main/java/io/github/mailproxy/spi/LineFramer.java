package io.github.mailproxy.spi;

import java.nio.ByteBuffer;

/**
 * Cuts bounded lines out of a byte stream. A line ends with LF, optionally preceded by CR; neither
 * is part of the line. A line longer than the bound is reported once as {@link Status#TOO_LONG}
 * and the rest of it is skipped, however long, without being buffered.
 *
 * <p>Not thread-safe; one per connection.
 */
public final class LineFramer {

    /** What {@link #next} found. */
    public enum Status {
        /** A complete line; see {@link #line()}. */
        LINE,
        /** No complete line yet; nothing was consumed that still matters. */
        NEED_MORE,
        /** A line over the bound; it is being skipped up to its end. */
        TOO_LONG
    }

    private final int maxLength;
    private boolean skipping;
    private byte[] line;

    /**
     * @param maxLength longest line accepted, in bytes, without the line end
     */
    public LineFramer(int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength: must be positive: " + maxLength);
        }
        this.maxLength = maxLength;
    }

    /**
     * Looks for the next line in {@code in}, consuming it (with its line end) if complete.
     *
     * @param in input in read mode
     * @return what was found
     */
    public Status next(ByteBuffer in) {
        int start = in.position();
        int limit = in.limit();
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                in.position(i + 1);
                if (skipping) {
                    skipping = false;
                    start = i + 1;
                    continue;
                }
                int end = i > start && in.get(i - 1) == '\r' ? i - 1 : i;
                if (end - start > maxLength) {
                    return Status.TOO_LONG;
                }
                line = new byte[end - start];
                in.get(start, line);
                return Status.LINE;
            }
        }
        if (skipping) {
            in.position(limit);
            return Status.NEED_MORE;
        }
        // +1 leaves room for a CR that may end a line of exactly maxLength bytes
        if (limit - start > maxLength + 1) {
            skipping = true;
            in.position(limit);
            return Status.TOO_LONG;
        }
        return Status.NEED_MORE;
    }

    /** @return whether the rest of an over-long line is still being skipped */
    public boolean skipping() {
        return skipping;
    }

    /** @return the bytes of the line last returned as {@link Status#LINE}, without its line end */
    public byte[] line() {
        return line;
    }
}
