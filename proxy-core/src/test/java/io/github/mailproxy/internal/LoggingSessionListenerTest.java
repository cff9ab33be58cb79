package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.LogfmtParser;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The session line is logfmt that a strict parser reads as the proxy meant it, whatever the user name. */
class LoggingSessionListenerTest {

    private static final String LOGGER = "io.github.mailproxy.session";

    /** User names an attacker might send to forge fields or lines (issue 11). */
    static final List<String> HOSTILE_USERS = List.of(
            "nobody client=203.0.113.9:4444 outcome=PROXIED",
            "nobody\r\n[main] INFO io.github.mailproxy.session - session=x client=203.0.113.9:4444 outcome=PROXIED",
            "nobody\nclient=203.0.113.9:4444",
            "nobody\u0085client=203.0.113.9:4444 outcome=PROXIED",
            "nobody\u2028client=203.0.113.9:4444\u2029outcome=PROXIED",
            "nobody\" client=\"203.0.113.9:4444",
            "nobody\\\" client=203.0.113.9:4444 outcome=PROXIED \\",
            "nobody\u0000 client=203.0.113.9:4444",
            "",
            "-");

    @Test
    void theLineHasTheDocumentedFieldsInOrder() {
        String line = logged(event("alice"));
        assertThat(line).matches("session=s1 proto=imap user=alice client=127\\.0\\.0\\.1:5555 backend=10\\.0\\.0\\.2:143"
                + " in=12 out=34 duration_ms=56 outcome=AUTH_FAILED");
    }

    @Test
    void aSessionWithoutUserOrBackendHasDashes() {
        SessionEvent e = new SessionEvent("s2", "pop3", null, new InetSocketAddress("127.0.0.1", 5555), null,
                0, 0, Duration.ZERO, SessionEvent.Outcome.NO_LOGIN);
        assertThat(LogfmtParser.parse(logged(e))).containsEntry("user", "-").containsEntry("backend", "-");
    }

    @Test
    void aHostileUserNameCannotForgeFieldsOrLines() {
        for (String user : HOSTILE_USERS) {
            String line = logged(event(user));
            Map<String, String> fields = LogfmtParser.parse(line);
            assertThat(fields).as(line)
                    .containsOnlyKeys("session", "proto", "user", "client", "backend", "in", "out", "duration_ms",
                            "outcome")
                    .containsEntry("client", "127.0.0.1:5555")
                    .containsEntry("outcome", "AUTH_FAILED")
                    .containsEntry("user", user);
        }
    }

    private static SessionEvent event(String user) {
        return new SessionEvent("s1", "imap", user, new InetSocketAddress("127.0.0.1", 5555),
                new InetSocketAddress("10.0.0.2", 143), 12, 34, Duration.ofMillis(56), SessionEvent.Outcome.AUTH_FAILED);
    }

    /** @return the one message the listener logged for the event, read from slf4j-simple's output */
    private static String logged(SessionEvent e) {
        String text;
        try (LogCapture capture = new LogCapture()) {
            new LoggingSessionListener().sessionClosed(e);
            text = capture.text();
        }
        List<String> lines = LogfmtParser.messages(text, LOGGER);
        assertThat(lines).as("one physical line in: %s", text).hasSize(1);
        assertThat(text.lines().count()).as(text).isEqualTo(1);
        return lines.get(0);
    }
}
