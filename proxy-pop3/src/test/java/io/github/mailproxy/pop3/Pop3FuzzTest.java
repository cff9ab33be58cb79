package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FuzzInput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the POP3 pre-login side with arbitrary client bytes in random chunks: the command reader
 * returns only {@link Pop3Command}s within the line bound, and the whole handler answers with
 * well-formed reply lines that carry no client bytes, never throws, and never falls into its
 * internal-error path. A plain {@code mvn verify} runs the committed inputs in
 * {@code Pop3FuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 *
 * <p>Input layout ({@link FuzzInput}): the first byte seeds the chunk sizes and picks the line bound
 * (low four bits) and options (high bits); the rest is what the client sends.
 */
class Pop3FuzzTest {

    /** Status, continuation, or a line of a CAPA / AUTH listing: printable ASCII only. */
    private static final Pattern REPLY_LINE = Pattern.compile(
            "(\\+OK|-ERR)( [\\x20-\\x7e]*)?|\\+ [A-Za-z0-9+/=]*|[A-Z0-9][A-Z0-9 ._-]*|\\.");

    private static int maxLine(FuzzInput in) {
        return 16 + (in.options() & 0x0f) * 16;
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void commandReader(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        int maxLine = maxLine(in);
        Pop3CommandReader reader = new Pop3CommandReader(maxLine);
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        boolean sasl = false;
        for (byte[] chunk : FuzzInput.chunks(in.body(), in.options())) {
            assertThat(buffer.remaining()).as("bytes the reader left unconsumed").isGreaterThanOrEqualTo(chunk.length);
            buffer.put(chunk).flip();
            Pop3Command command;
            int steps = 0;
            while ((command = reader.next(buffer, sasl)) != null) {
                assertThat(++steps).isLessThanOrEqualTo(chunk.length + 1);
                check(command, maxLine);
                // as the handler does: after AUTH with a mechanism, the next line is a SASL response
                sasl = command instanceof Pop3Command.Auth a && a.mechanism() != null && a.initialResponse() == null;
            }
            buffer.compact();
        }
    }

    private static void check(Pop3Command command, int maxLine) {
        assertThat(command.toString()).isNotNull();
        if (command instanceof Pop3Command.User u) {
            assertThat(u.name()).isNotEmpty().hasSizeLessThanOrEqualTo(maxLine).doesNotContain("\r", "\n", "\0");
        } else if (command instanceof Pop3Command.Pass p) {
            assertThat(p.password()).isNotEmpty().hasSizeLessThanOrEqualTo(maxLine).doesNotContain("\r", "\n", "\0");
            assertThat(p.toString()).doesNotContain(p.password().length() >= 8 ? p.password() : "\0");
        } else if (command instanceof Pop3Command.Auth a) {
            if (a.mechanism() != null) {
                assertThat(a.mechanism()).matches("[A-Z0-9_-]{1,20}");
            }
            if (a.initialResponse() != null) {
                assertThat(a.initialResponse()).doesNotContain(" ", "\r", "\n");
            }
        } else if (command instanceof Pop3Command.Apop a) {
            assertThat(a.user()).isNotEmpty().doesNotContain("\r", "\n", "\0");
            assertThat(a.digest()).matches("[0-9a-f]{32}");
        } else if (command instanceof Pop3Command.Unknown u) {
            assertThat(u.verb()).matches("[\\x21-\\x7e?]{0,16}");
        } else if (command instanceof Pop3Command.Invalid i) {
            assertThat(i.message()).matches("[\\x20-\\x7e]+");
        } else if (command instanceof Pop3Command.SaslResponse r) {
            assertThat(r.text()).hasSizeLessThanOrEqualTo(maxLine).isEqualTo(r.text().strip());
        }
    }

    /**
     * The handler over the in-memory session. Logins get an answer chosen by option bits 4-5
     * (refused, temporarily refused, referred, or disabled with a reason carrying CRLF); CRAM-MD5,
     * SCRAM and APOP lookups find {@code {PLAIN}pencil}.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void handler(byte[] bytes) {
        FuzzInput in = FuzzInput.of(bytes);
        Pop3FakeSession session = new Pop3FakeSession();
        session.settings = new SessionSettings(maxLine(in), 8192, 5, false, 5);
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "APOP"));
        session.startTlsAvailable = in.option(6);
        session.plaintextAllowed = !in.option(7);
        session.open();
        for (byte[] chunk : FuzzInput.chunks(in.body(), in.options())) {
            if (session.closed || session.relayed != null) {
                break;
            }
            session.send(chunk);
            settle(session, in);
        }
        checkReplies(session.take());
    }

    /** Answers whatever the handler waits for, and offers input again, until nothing moves. */
    private static void settle(Pop3FakeSession session, FuzzInput in) {
        int answered = 0;
        for (int round = 0; round < 1000; round++) {
            boolean moved = false;
            for (CompletableFuture<PassDbResult> lookup : new ArrayList<>(session.lookupResults)) {
                moved |= lookup.complete(PassDbResult.found(Map.of(PassDbResult.PASSWORD, "{PLAIN}pencil")));
            }
            if (!session.offloaded.isEmpty()) {
                session.runOffloaded();
                moved = true;
            }
            for (CompletableFuture<AuthDecision> pending : session.pendingDecisions()) {
                moved |= pending.complete(decision(in, answered++));
            }
            if (!session.delayed.isEmpty()) {
                session.endFailureDelay();
                moved = true;
            }
            if (!moved) {
                return;
            }
            if (!session.closed) {
                session.offer();
            }
        }
        throw new AssertionError("the conversation did not settle");
    }

    private static AuthDecision decision(FuzzInput in, int n) {
        return switch (((in.options() >> 4) + n) & 3) {
            case 0 -> new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null);
            case 1 -> new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null);
            case 2 -> new AuthDecision.Referral("pop2.example.org", 110, "bob", null);
            default -> new AuthDecision.Reject(AuthDecision.Failure.LOGIN_DISABLED, "Moved\r\n+OK injected");
        };
    }

    private static void checkReplies(String output) {
        assertThat(output).doesNotContain("Internal server error");
        assertThat(output).startsWith("+OK");
        assertThat(output).endsWith("\r\n");
        for (String line : output.substring(0, output.length() - 2).split("\r\n", -1)) {
            assertThat(line).as("reply line").matches(REPLY_LINE);
        }
    }
}
