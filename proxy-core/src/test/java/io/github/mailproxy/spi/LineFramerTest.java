package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {

    /** Feeds the input in two chunks split at every position, as a socket might deliver it. */
    private static void forEverySplit(String input, int max, List<String> expected) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            LineFramer framer = new LineFramer(max);
            List<String> seen = new ArrayList<>();
            ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1);
            buf.put(bytes, 0, split).flip();
            drain(framer, buf, seen);
            buf.compact().put(bytes, split, bytes.length - split).flip();
            drain(framer, buf, seen);
            assertThat(seen).as("split at %d", split).isEqualTo(expected);
        }
    }

    private static void drain(LineFramer framer, ByteBuffer buf, List<String> seen) {
        for (;;) {
            LineFramer.Status s = framer.next(buf);
            if (s == LineFramer.Status.NEED_MORE) {
                return;
            }
            seen.add(s == LineFramer.Status.TOO_LONG ? "<too long>" : new String(framer.line(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void cutsLinesEndingInCrlfOrLf() {
        forEverySplit("a1 NOOP\r\nb\nlast\r\n", 100, List.of("a1 NOOP", "b", "last"));
    }

    @Test
    void keepsAnIncompleteLine() {
        forEverySplit("a1 NOOP\r\npart", 100, List.of("a1 NOOP"));
    }

    @Test
    void acceptsALineOfExactlyTheBound() {
        forEverySplit("12345\r\n", 5, List.of("12345"));
    }

    @Test
    void reportsAnOverlongLineOnceAndSkipsItsRest() {
        forEverySplit("123456789\r\nok\r\n", 5, List.of("<too long>", "ok"));
    }

    @Test
    void skipsAnOverlongLineArrivingInPieces() {
        LineFramer framer = new LineFramer(4);
        List<String> seen = new ArrayList<>();
        for (String piece : List.of("abcdefgh", "ijklmnop", "qr\r\nok\r\n")) {
            drain(framer, ByteBuffer.wrap(piece.getBytes(StandardCharsets.US_ASCII)), seen);
        }
        assertThat(seen).containsExactly("<too long>", "ok");
    }

    @Test
    void emptyLinesAreLines() {
        forEverySplit("\r\n\n", 10, List.of("", ""));
    }
}
