package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeClientSession;
import io.github.mailproxy.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the IMAP pre-login side with arbitrary client bytes, delivered in random chunks: the
 * decoder returns only its {@link ImapDecoder.Kind}s within the configured bounds, and the whole
 * handler answers with well-formed reply lines (no CR/LF smuggled in, no client bytes other than
 * its tag), never throws, and never falls into its internal-error path. A plain {@code mvn verify}
 * runs the committed inputs in {@code ImapFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 *
 * <p>Input layout ({@link FuzzInput}): the first byte seeds the chunk sizes and picks the bounds
 * (low four bits: line bound; high four: literal bound); the rest is what the client sends.
 */
class ImapFuzzTest {

    /** A reply line: untagged, continuation, or a client tag with a status. Printable ASCII only. */
    private static final Pattern REPLY_LINE = Pattern.compile(
            "(\\* [\\x20-\\x7e]*|\\+ ?[\\x20-\\x7e]*|[\\x21-\\x7e&&[^(){%*\"\\\\+]]{1,64} (OK|NO|BAD)( [\\x20-\\x7e]*)?)");

    private static int maxLine(FuzzInput in) {
        return 16 + (in.options() & 0x0f) * 16;
    }

    private static int maxLiteral(FuzzInput in) {
        return (in.options() >> 4) * 8;
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decoder(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        int maxLine = maxLine(in);
        int maxLiteral = maxLiteral(in);
        ImapDecoder decoder = new ImapDecoder(maxLine, maxLiteral);
        // what the core gives a handler: one buffer that keeps what was not consumed
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        for (byte[] chunk : FuzzInput.chunks(in.body(), in.options())) {
            assertThat(buffer.remaining()).as("bytes the decoder left unconsumed").isGreaterThanOrEqualTo(chunk.length);
            buffer.put(chunk).flip();
            int steps = 0;
            while (true) {
                ImapDecoder.Result result = decoder.next(buffer);
                assertThat(result).isNotNull();
                assertThat(++steps).as("steps for one chunk").isLessThanOrEqualTo(2 * chunk.length + 2);
                if (result.kind() == ImapDecoder.Kind.NEED_MORE) {
                    break;
                }
                check(result, maxLine, maxLiteral);
            }
            buffer.compact();
        }
    }

    private static void check(ImapDecoder.Result result, int maxLine, int maxLiteral) {
        switch (result.kind()) {
            case COMMAND -> {
                ImapCommand command = result.command();
                assertThat(command.tag()).matches("[\\x21-\\x7e]{1,64}").doesNotContain("+");
                assertThat(command.name()).matches("[\\x21-\\x7e]+");
                assertThat(command.tag().length() + command.name().length() + 1).isLessThanOrEqualTo(maxLine);
                command.args().forEach(arg -> checkArg(arg, maxLine, maxLiteral, 1));
                assertThat(command.toString()).isNotNull();
            }
            case BAD -> {
                assertThat(result.tag()).matches("\\*|[\\x21-\\x7e]{1,64}");
                assertThat(result.text()).matches("[\\x20-\\x7e]+");
            }
            case CONTINUE -> {
            }
            default -> throw new AssertionError("unexpected " + result);
        }
    }

    private static void checkArg(ImapArg arg, int maxLine, int maxLiteral, int depth) {
        assertThat(depth).as("list depth").isLessThanOrEqualTo(10);
        switch (arg.kind()) {
            case LIST -> arg.items().forEach(item -> checkArg(item, maxLine, maxLiteral, depth + 1));
            case LITERAL -> assertThat(arg.value().length()).isLessThanOrEqualTo(maxLiteral);
            default -> assertThat(arg.value().length()).isLessThanOrEqualTo(maxLine);
        }
        assertThat(arg.toString()).isNotNull();
    }

    /**
     * The handler over the in-memory session. Logins get an answer chosen by option bits 4-5 (refused,
     * temporarily refused, referred with the client's own user name, or disabled), so that every
     * reply path is reached; CRAM-MD5 and SCRAM lookups find {@code {PLAIN}pencil}.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void handler(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        FakeClientSession session = new ImapFakeSession();
        session.settings = new SessionSettings(maxLine(in), maxLiteral(in) + 64, 5, false, 5);
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"));
        session.startTlsAvailable = in.option(6);
        session.plaintextAllowed = !in.option(7);
        ImapClientHandler handler = new ImapClientHandler(session);
        handler.onOpen();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        for (byte[] chunk : FuzzInput.chunks(in.body(), in.options())) {
            if (session.closed || session.tlsStarted) {
                break;  // the core stops reading; after STARTTLS it discards what was pipelined
            }
            buffer.put(chunk);
            settle(session, handler, buffer, in);
        }
        checkReplies(session.take());
    }

    /** Offers input and answers whatever the handler waits for, until nothing moves. */
    private static void settle(FakeClientSession session, ImapClientHandler handler, ByteBuffer buffer, FuzzInput in) {
        int answered = 0;
        for (int round = 0; round < 1000; round++) {
            buffer.flip();
            if (!session.paused && !session.closed && !session.tlsStarted) {
                handler.onInput(buffer);
            }
            buffer.compact();
            boolean moved = false;
            for (CompletableFuture<PassDbResult> lookup : new ArrayList<>(session.lookupResults)) {
                moved |= lookup.complete(PassDbResult.found(Map.of(PassDbResult.PASSWORD, "{PLAIN}pencil")));
            }
            if (!session.offloaded.isEmpty()) {
                session.runOffloaded();
                moved = true;
            }
            for (int i = 0; i < session.decisions.size(); i++) {
                if (!session.decisions.get(i).isDone()) {
                    AuthRequest request = session.authRequests.get(i);
                    moved |= session.decisions.get(i).complete(decision(in, answered++, request));
                }
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the conversation did not settle");
    }

    private static AuthDecision decision(FuzzInput in, int n, AuthRequest request) {
        return switch (((in.options() >> 4) + n) & 3) {
            case 0 -> new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null);
            case 1 -> new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null);
            case 2 -> new AuthDecision.Referral("imap2.example.org", 1143, request.user(), null);
            default -> new AuthDecision.Reject(AuthDecision.Failure.LOGIN_DISABLED, "Moved\r\n* BYE injected");
        };
    }

    private static void checkReplies(String output) {
        assertThat(output).doesNotContain("Internal server error");
        if (output.isEmpty()) {
            return;
        }
        assertThat(output).endsWith("\r\n");
        for (String line : output.substring(0, output.length() - 2).split("\r\n", -1)) {
            assertThat(line).as("reply line").matches(REPLY_LINE);
        }
    }
}
