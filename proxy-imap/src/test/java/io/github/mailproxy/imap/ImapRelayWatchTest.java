package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Where a kicked client's {@code * BYE} may go: between whole responses, never inside a literal or a line. */
class ImapRelayWatchTest {

    private final ImapRelayWatch watch = new ImapRelayWatch();

    private void server(String text) {
        ByteBuffer b = ByteBuffer.wrap(("xx" + text).getBytes(StandardCharsets.ISO_8859_1));
        b.position(2);  // the watch reads from the position, with absolute gets
        watch.fromBackend(b);
        assertThat(b.position()).isEqualTo(2);
    }

    private void client(String text) {
        watch.fromClient(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void atTheStartAndAfterWholeLines() {
        assertThat(watch.betweenResponses()).isTrue();
        server("* 3 EXISTS\r\n");
        assertThat(watch.betweenResponses()).isTrue();
        server("a1 OK done");
        assertThat(watch.betweenResponses()).isFalse();
        server("\r\n");
        assertThat(watch.betweenResponses()).isTrue();
    }

    @Test
    void aLiteralIsSkippedWhateverItsContentAndChunks() {
        server("* 1 FETCH (BODY[] {12}\r\n");
        assertThat(watch.betweenResponses()).isFalse();
        server("line1\r\n");
        assertThat(watch.betweenResponses()).as("a line end inside the literal").isFalse();
        server("{3}\r\n");  // the literal's last 5 bytes look like a literal announcement
        assertThat(watch.betweenResponses()).isFalse();
        server(")\r\n");
        assertThat(watch.betweenResponses()).isTrue();
    }

    @Test
    void aLiteralAnnouncementSplitAcrossChunksAndLiteral8() {
        server("* 2 FETCH (BINARY[] ~{1");
        server("0}\r");
        server("\n0123456789");
        assertThat(watch.betweenResponses()).isFalse();
        server(" FLAGS ())\r\n");
        assertThat(watch.betweenResponses()).isTrue();
        server("* 3 FETCH (BODY[] {0}\r\n)\r\n");
        assertThat(watch.betweenResponses()).isTrue();
    }

    @Test
    void bracesThatAnnounceNothing() {
        server("* OK [x] {not a literal}\r\n");
        assertThat(watch.betweenResponses()).isTrue();
        server("* OK {5} then text\r\n");
        assertThat(watch.betweenResponses()).isTrue();
    }

    @Test
    void onceTheClientSpokeOfCompressionNeverAgain() {
        client("a COMPR");
        client("ESS deflate\r\n");
        server("a OK DEFLATE active\r\n");
        assertThat(watch.betweenResponses()).isFalse();
    }

    @Test
    void otherClientWordsChangeNothing() {
        client("a SELECT compresses\r\n".replace("compresses", "INBOX"));
        client("b COMPRES COMPRESX\r\n");
        server("b OK\r\n");
        assertThat(watch.betweenResponses()).isTrue();
        client("c APPEND INBOX {20}\r\nplease CoMpReSs this");
        assertThat(watch.betweenResponses()).as("even in a message: a false alarm costs only the notice").isFalse();
    }
}
