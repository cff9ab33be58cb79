package io.github.mailproxy.imap;

import io.github.mailproxy.spi.LineFramer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Cuts IMAP commands out of a client's byte stream and parses their arguments (RFC 3501 sections
 * 2.2.1 and 9): atoms, quoted strings with {@code \\} and {@code \"} escapes, parenthesized lists,
 * synchronizing literals {@code {n}} and non-synchronizing literals {@code {n+}} (RFC 7888).
 *
 * <p>Like Netty's {@code ByteToMessageDecoder}: an incomplete command returns "need more" and the
 * caller offers the buffer again when more bytes came. Every line is bounded by the line framer and
 * every literal by {@code maxLiteralSize}; a literal over the bound is refused when it is announced,
 * so a synchronizing one is never invited and a non-synchronizing one is skipped unbuffered.
 *
 * <p>Touches no channel. Not thread-safe; one per connection.
 */
final class ImapDecoder {

    /** What {@link #next} found. */
    enum Kind {
        /** A complete command; see {@link Result#command()}. */
        COMMAND,
        /** Nothing complete yet. */
        NEED_MORE,
        /** A synchronizing literal was accepted: send {@code + Ready for literal data}, then call again. */
        CONTINUE,
        /** The command is refused; answer {@code tag BAD text}. */
        BAD
    }

    /**
     * One decoding step.
     *
     * @param kind    what was found
     * @param command the command, for {@link Kind#COMMAND}
     * @param tag     the tag to answer with, for {@link Kind#BAD}; {@code *} when it could not be read
     * @param text    the text of the BAD reply, for {@link Kind#BAD}
     */
    record Result(Kind kind, ImapCommand command, ImapRequest request, String tag, String text) {
        static final Result NEED_MORE = new Result(Kind.NEED_MORE, null, null, null, null);
        static final Result CONTINUE = new Result(Kind.CONTINUE, null, null, null, null);

        /** A complete command, its arguments checked against what it takes ({@link ImapRequest#of}). */
        static Result command(ImapCommand command) {
            return new Result(Kind.COMMAND, command, ImapRequest.of(command), command.tag(), null);
        }

        static Result bad(String tag, String text) {
            return new Result(Kind.BAD, null, null, tag, text);
        }
    }

    static final String LINE_TOO_LONG = "Command line too long.";
    /** Text of the BAD reply to a literal over the bound (RFC 7888 section 4 suggests TOOBIG). */
    static final String LITERAL_TOO_BIG = "[TOOBIG] Literal too large.";

    private static final int MAX_LIST_DEPTH = 8;
    private static final int MAX_TAG_LENGTH = 64;

    private enum State { IDLE, SEGMENT, LITERAL, SKIP_LITERAL, DISCARD }

    private final LineFramer framer;
    private final int maxLiteralSize;
    private final long maxCommandSize;

    private State state = State.IDLE;
    private String tag;
    private String name;
    private Deque<List<ImapArg>> lists;
    private boolean needSeparator;
    private long commandSize;
    private byte[] literal;
    private int literalFilled;
    private long skipRemaining;

    /**
     * @param maxLineLength  longest line of a command, in bytes, without CRLF
     * @param maxLiteralSize largest literal accepted, in bytes
     */
    ImapDecoder(int maxLineLength, int maxLiteralSize) {
        this.framer = new LineFramer(maxLineLength);
        this.maxLiteralSize = maxLiteralSize;
        // LOGIN may carry two literals of the full size; anything more is not a login
        this.maxCommandSize = maxLineLength + 2L * maxLiteralSize;
    }

    /**
     * Decodes the next step from {@code in}, consuming what it used.
     *
     * @param in client input in read mode; not kept
     * @return a command, a BAD to answer, a literal to invite, or need more
     */
    Result next(ByteBuffer in) {
        while (true) {
            Result result = switch (state) {
                case IDLE -> idle(in);
                case SEGMENT -> segment(in);
                case LITERAL -> literal(in);
                case SKIP_LITERAL -> skipLiteral(in);
                case DISCARD -> discard(in);
            };
            if (result != null) {
                return result;
            }
        }
    }

    /**
     * Reads one bounded line outside a command: an AUTHENTICATE response (RFC 3501 section 6.2.2).
     * Only valid between commands.
     *
     * @param in client input in read mode
     * @return the line, need more, or too long (its rest is skipped)
     */
    Line nextLine(ByteBuffer in) {
        if (state != State.IDLE) {
            throw new IllegalStateException("a command is being decoded");
        }
        return switch (framer.next(in)) {
            // a SASL response is base64: ASCII; anything else fails its decoding
            case LINE -> new Line(LineFramer.Status.LINE, new String(framer.line(), StandardCharsets.ISO_8859_1));
            case NEED_MORE -> Line.NEED_MORE;
            case TOO_LONG -> Line.TOO_LONG;
        };
    }

    /**
     * A raw line, for SASL responses.
     *
     * @param status what was found
     * @param text   the line, for {@link LineFramer.Status#LINE}
     */
    record Line(LineFramer.Status status, String text) {
        static final Line NEED_MORE = new Line(LineFramer.Status.NEED_MORE, null);
        static final Line TOO_LONG = new Line(LineFramer.Status.TOO_LONG, null);

        @Override
        public String toString() {
            return "Line[" + status + (text == null ? "" : ", " + text.length() + " chars") + "]";
        }
    }

    private Result idle(ByteBuffer in) {
        int start = in.position();
        boolean wasSkipping = framer.skipping();
        return switch (framer.next(in)) {
            case NEED_MORE -> Result.NEED_MORE;
            case TOO_LONG -> Result.bad(tagOfLongLine(in, start, wasSkipping), LINE_TOO_LONG);
            case LINE -> startCommand(framer.line());
        };
    }

    private Result segment(ByteBuffer in) {
        return switch (framer.next(in)) {
            case NEED_MORE -> Result.NEED_MORE;
            case TOO_LONG -> {
                String t = tag;
                reset(State.IDLE);
                yield Result.bad(t, LINE_TOO_LONG);
            }
            case LINE -> {
                byte[] line = framer.line();
                commandSize += line.length + 2;
                yield commandSize > maxCommandSize ? fail(line, LINE_TOO_LONG) : parse(line, 0);
            }
        };
    }

    private Result literal(ByteBuffer in) {
        int n = Math.min(in.remaining(), literal.length - literalFilled);
        in.get(literal, literalFilled, n);
        literalFilled += n;
        if (literalFilled < literal.length) {
            return Result.NEED_MORE;
        }
        lists.peek().add(ImapArg.literal(literal));
        literal = null;
        needSeparator = true;
        state = State.SEGMENT;
        return null;
    }

    private Result skipLiteral(ByteBuffer in) {
        int n = (int) Math.min(in.remaining(), skipRemaining);
        in.position(in.position() + n);
        skipRemaining -= n;
        if (skipRemaining > 0) {
            return Result.NEED_MORE;
        }
        state = State.DISCARD;
        return null;
    }

    /** Drops the rest of a refused command, which may continue after a skipped literal. */
    private Result discard(ByteBuffer in) {
        switch (framer.next(in)) {
            case NEED_MORE:
                return Result.NEED_MORE;
            case TOO_LONG:
                // the framer skips this line to its end; what follows is a new command
                state = State.IDLE;
                return null;
            default:
                long skip = trailingNonSyncLiteral(framer.line());
                if (skip >= 0) {
                    skipRemaining = skip;
                    state = State.SKIP_LITERAL;
                } else {
                    state = State.IDLE;
                }
                return null;
        }
    }

    private Result startCommand(byte[] line) {
        if (line.length == 0) {
            return Result.bad("*", "Empty command line.");
        }
        int i = 0;
        while (i < line.length && i < MAX_TAG_LENGTH && isTagChar(line[i])) {
            i++;
        }
        if (i == 0 || (i < line.length && line[i] != ' ')) {
            tag = "*";
            return fail(line, "Error in IMAP command: invalid tag.");
        }
        tag = ascii(line, 0, i);
        int nameStart = i + 1;
        int j = nameStart;
        while (j < line.length && isAtomChar(line[j])) {
            j++;
        }
        if (j == nameStart) {
            return fail(line, "Error in IMAP command: missing command name.");
        }
        if (j < line.length && line[j] != ' ') {
            return fail(line, "Error in IMAP command: invalid command name.");
        }
        name = ascii(line, nameStart, j);
        lists = new ArrayDeque<>();
        lists.push(new ArrayList<>());
        needSeparator = true;
        commandSize = line.length + 2;
        state = State.SEGMENT;
        return parse(line, j);
    }

    /** Parses arguments from {@code pos} to the end of a line (RFC 3501 section 9). */
    private Result parse(byte[] line, int pos) {
        while (pos < line.length) {
            int c = line[pos] & 0xff;
            if (c == ' ') {
                pos++;
                needSeparator = false;
            } else if (c == ')') {
                if (lists.size() == 1) {
                    return fail(line, "Error in IMAP command: unexpected ')'.");
                }
                List<ImapArg> items = lists.pop();
                lists.peek().add(ImapArg.list(items));
                needSeparator = true;
                pos++;
            } else if (needSeparator) {
                return fail(line, "Error in IMAP command: missing space between arguments.");
            } else if (c == '(') {
                if (lists.size() > MAX_LIST_DEPTH) {
                    return fail(line, "Error in IMAP command: lists nested too deeply.");
                }
                lists.push(new ArrayList<>());
                pos++;
            } else if (c == '"') {
                pos = quoted(line, pos + 1);
                if (pos < 0) {
                    return fail(line, "Error in IMAP command: invalid quoted string.");
                }
                needSeparator = true;
            } else if (c == '{') {
                return literalSpec(line, pos);
            } else if (isAstringChar(line[pos])) {
                int start = pos;
                while (pos < line.length && isAstringChar(line[pos])) {
                    pos++;
                }
                lists.peek().add(ImapArg.atom(ascii(line, start, pos)));
                needSeparator = true;
            } else {
                return fail(line, "Error in IMAP command: invalid character.");
            }
        }
        if (lists.size() > 1) {
            return fail(line, "Error in IMAP command: missing ')'.");
        }
        ImapCommand command = new ImapCommand(tag, name, lists.pop());
        reset(State.IDLE);
        return Result.command(command);
    }

    /** @return the position after the closing quote, or -1 if the string is invalid */
    private int quoted(byte[] line, int pos) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        while (pos < line.length) {
            int b = line[pos] & 0xff;
            if (b == '"') {
                lists.peek().add(ImapArg.quoted(value.toByteArray()));
                return pos + 1;
            }
            if (b == '\\') {
                pos++;
                if (pos == line.length || (line[pos] != '\\' && line[pos] != '"')) {
                    return -1;
                }
                b = line[pos];
            } else if (b < 0x20 || b == 0x7f) {
                return -1;
            }
            value.write(b);
            pos++;
        }
        return -1;
    }

    /** {@code {n}} or {@code {n+}}, which must end the line. */
    private Result literalSpec(byte[] line, int pos) {
        int j = pos + 1;
        while (j < line.length && line[j] >= '0' && line[j] <= '9') {
            j++;
        }
        int digits = j - pos - 1;
        boolean nonSync = j < line.length && line[j] == '+';
        if (nonSync) {
            j++;
        }
        if (digits == 0 || j != line.length - 1 || line[j] != '}') {
            return fail(line, "Error in IMAP command: invalid literal.");
        }
        // more than 10 digits cannot be a size we accept, and would overflow the parse
        long size = digits > 10 ? Long.MAX_VALUE : Long.parseLong(ascii(line, pos + 1, pos + 1 + digits));
        if (size > maxLiteralSize || commandSize + size > maxCommandSize) {
            String t = tag;
            if (nonSync) {
                reset(State.SKIP_LITERAL);
                skipRemaining = size;
            } else {
                // the client waits for a continuation it will never get; the BAD ends its command
                reset(State.IDLE);
            }
            return Result.bad(t, LITERAL_TOO_BIG);
        }
        literal = new byte[(int) size];
        literalFilled = 0;
        commandSize += size;
        state = State.LITERAL;
        return nonSync ? null : Result.CONTINUE;
    }

    /** Refuses the command, skipping a non-synchronizing literal the line announces. */
    private Result fail(byte[] line, String text) {
        String t = tag;
        long skip = trailingNonSyncLiteral(line);
        if (skip >= 0) {
            reset(State.SKIP_LITERAL);
            skipRemaining = skip;
        } else {
            reset(State.IDLE);
        }
        return Result.bad(t, text);
    }

    private void reset(State next) {
        state = next;
        tag = null;
        name = null;
        lists = null;
        literal = null;
        commandSize = 0;
    }

    /** @return the size of a {@code {n+}} that ends the line, or -1 */
    static long trailingNonSyncLiteral(byte[] line) {
        int end = line.length - 1;
        if (end < 3 || line[end] != '}' || line[end - 1] != '+') {
            return -1;
        }
        int i = end - 2;
        while (i >= 0 && line[i] >= '0' && line[i] <= '9') {
            i--;
        }
        int digits = end - 2 - i;
        if (i < 0 || line[i] != '{' || digits == 0) {
            return -1;
        }
        return digits > 18 ? Long.MAX_VALUE : Long.parseLong(ascii(line, i + 1, end - 1));
    }

    /** The tag of an over-long line, if its start is still in the buffer and reads as one. */
    private static String tagOfLongLine(ByteBuffer in, int start, boolean wasSkipping) {
        int limit = in.limit();
        if (wasSkipping) {
            // the framer first finished skipping an earlier line; the long one starts after its LF
            while (start < limit && in.get(start) != '\n') {
                start++;
            }
            start++;
        }
        int i = start;
        while (i < limit && i - start < MAX_TAG_LENGTH && isTagChar(in.get(i))) {
            i++;
        }
        if (i == start || i >= limit || in.get(i) != ' ') {
            return "*";
        }
        byte[] tag = new byte[i - start];
        in.get(start, tag);
        return new String(tag, StandardCharsets.US_ASCII);
    }

    /** ATOM-CHAR: any CHAR except atom-specials (RFC 3501 section 9). */
    static boolean isAtomChar(byte b) {
        return b > 0x20 && b < 0x7f && "(){%*\"\\]".indexOf(b) < 0;
    }

    /** ASTRING-CHAR: ATOM-CHAR or {@code ]}. */
    static boolean isAstringChar(byte b) {
        return b == ']' || isAtomChar(b);
    }

    /** tag: any ASTRING-CHAR except {@code +}. */
    static boolean isTagChar(byte b) {
        return b != '+' && isAstringChar(b);
    }

    private static String ascii(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.US_ASCII);
    }
}
