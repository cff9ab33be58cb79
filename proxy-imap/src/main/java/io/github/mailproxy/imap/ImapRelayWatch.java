package io.github.mailproxy.imap;

import io.github.mailproxy.spi.RelayWatch;
import java.nio.ByteBuffer;

/**
 * Tells when a relayed IMAP stream to the client is between two responses, so that a kicked client
 * can be sent {@code * BYE} without it landing inside a response: it follows the server's lines and
 * skips their literals ({@code {N}} or {@code ~{N}} at the end of a line, then N bytes), byte by byte
 * outside literals and in one step over a literal's content.
 *
 * <p>Once the client has sent the word {@code COMPRESS} (RFC 4978; anywhere, in any case, even in a
 * message it appends), the stream may be compressed, and the watch never again says the stream is
 * between responses: a plain line there would corrupt it. A false alarm only costs the notice.
 */
final class ImapRelayWatch implements RelayWatch {

    private static final byte[] COMPRESS = {'C', 'O', 'M', 'P', 'R', 'E', 'S', 'S'};
    private static final long MAX_LITERAL = Long.MAX_VALUE / 10 - 10;

    private enum Scan { TEXT, BRACE, DIGITS, CLOSE, CLOSE_CR }

    private Scan scan = Scan.TEXT;
    private long digits;
    private long literalLeft;
    /** The login's tagged OK has ended the last line when the relay starts. */
    private boolean atLineStart = true;
    private int compressMatched;
    private boolean maybeCompressed;

    @Override
    public void fromBackend(ByteBuffer bytes) {
        int i = bytes.position();
        int end = bytes.limit();
        while (i < end) {
            if (literalLeft > 0) {
                int skip = (int) Math.min(literalLeft, end - i);
                literalLeft -= skip;
                i += skip;
                continue;
            }
            server(bytes.get(i++));
        }
    }

    private void server(byte b) {
        if (b == '\n') {
            if (scan == Scan.CLOSE || scan == Scan.CLOSE_CR) {
                literalLeft = digits;  // the line goes on after the literal
                atLineStart = false;
            } else {
                atLineStart = true;
            }
            scan = Scan.TEXT;
            return;
        }
        atLineStart = false;
        if (b >= '0' && b <= '9' && (scan == Scan.BRACE || scan == Scan.DIGITS)) {
            digits = Math.min(digits * 10 + (b - '0'), MAX_LITERAL);
            scan = Scan.DIGITS;
        } else if (b == '{') {
            digits = 0;
            scan = Scan.BRACE;
        } else if (b == '}' && scan == Scan.DIGITS) {
            scan = Scan.CLOSE;
        } else if (b == '\r' && scan == Scan.CLOSE) {
            scan = Scan.CLOSE_CR;
        } else {
            scan = Scan.TEXT;
        }
    }

    @Override
    public void fromClient(ByteBuffer bytes) {
        if (maybeCompressed) {
            return;
        }
        for (int i = bytes.position(), end = bytes.limit(); i < end; i++) {
            int b = bytes.get(i) & 0xdf;  // ASCII letters to upper case
            if (b == COMPRESS[compressMatched]) {
                if (++compressMatched == COMPRESS.length) {
                    maybeCompressed = true;
                    return;
                }
            } else {
                compressMatched = b == COMPRESS[0] ? 1 : 0;
            }
        }
    }

    @Override
    public boolean betweenResponses() {
        return atLineStart && literalLeft == 0 && !maybeCompressed;
    }
}
