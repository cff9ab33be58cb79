package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.LogfmtParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextTest {

    @Test
    void plainTokensStayBare() {
        assertThat(Text.logValue("alice")).isEqualTo("alice");
        assertThat(Text.logValue("alice@example.org")).isEqualTo("alice@example.org");
        assertThat(Text.logValue("127.0.0.1:143")).isEqualTo("127.0.0.1:143");
        assertThat(Text.logValue("::1:143")).isEqualTo("::1:143");
        assertThat(Text.logValue("a-b_c/d+e,f")).isEqualTo("a-b_c/d+e,f");
    }

    @Test
    void aValueOverTheLimitIsCutAndSaysHowMuchIsLeftOut() {
        String user = "u".repeat(65_536);
        assertThat(Text.logValue(user)).isEqualTo("\"" + "u".repeat(Text.MAX_LOG_VALUE) + "...[65024 more]\"");
        assertThat(Text.logValue("u".repeat(Text.MAX_LOG_VALUE))).isEqualTo("u".repeat(Text.MAX_LOG_VALUE));
        // a surrogate pair is never split
        String emoji = "a".repeat(Text.MAX_LOG_VALUE - 1) + "\uD83D\uDE00" + "z";
        assertThat(Text.logValue(emoji)).isEqualTo("\"" + "a".repeat(Text.MAX_LOG_VALUE - 1) + "...[3 more]\"");
    }

    @Test
    void nullIsADashAndADashOrEmptyStringIsQuoted() {
        assertThat(Text.logValue(null)).isEqualTo("-");
        assertThat(Text.logValue("-")).isEqualTo("\"-\"");
        assertThat(Text.logValue("")).isEqualTo("\"\"");
    }

    @Test
    void spacesEqualsAndQuotesForceQuoting() {
        assertThat(Text.logValue("nobody client=203.0.113.9:4444 outcome=PROXIED"))
                .isEqualTo("\"nobody client=203.0.113.9:4444 outcome=PROXIED\"");
        assertThat(Text.logValue("a=b")).isEqualTo("\"a=b\"");
        assertThat(Text.logValue("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
        assertThat(Text.logValue("jürgen")).isEqualTo("\"jürgen\"");
    }

    @Test
    void controlCharactersAndLineSeparatorsAreEscaped() {
        assertThat(Text.logValue("a\r\nb\tc")).isEqualTo("\"a\\r\\nb\\tc\"");
        assertThat(Text.logValue("a\u0000b\u001bc\u007fd")).isEqualTo("\"a\\u0000b\\u001Bc\\u007Fd\"");
        assertThat(Text.logValue("a\u0085b\u009bc")).isEqualTo("\"a\\u0085b\\u009Bc\"");
        assertThat(Text.logValue("a\u2028b\u2029c")).isEqualTo("\"a\\u2028b\\u2029c\"");
        assertThat(Text.logValue("a\u202eb\ufeffc")).isEqualTo("\"a\\u202Eb\\uFEFFc\"");
        assertThat(Text.logValue("a\ud800b")).isEqualTo("\"a\\uD800b\"");
        assertThat(Text.logValue("\ud83d\ude00")).isEqualTo("\"\ud83d\ude00\"");  // an emoji is text
    }

    @Test
    void everyValueParsesBackToItself() {
        List<String> values = List.of("alice", "", "-", " ", "\"", "\\", "\\\"", "a b=c", "x\r\ny=z", "\u0085",
                "\u2028", "\u0000", "\ud800", "\"unbalanced", "end\\", "ü ß");
        for (String v : values) {
            Map<String, String> parsed = LogfmtParser.parse("k=" + Text.logValue(v) + " after=1");
            assertThat(parsed).as("value %s", v).containsExactly(Map.entry("k", v), Map.entry("after", "1"));
        }
    }

    @Test
    void everyCharacterOfTheBmpParsesBackToItself() {
        for (int c = 0; c <= 0xFFFF; c++) {
            String v = "a" + (char) c + "b";
            assertThat(LogfmtParser.parse("k=" + Text.logValue(v)).get("k")).isEqualTo(v);
        }
    }
}
