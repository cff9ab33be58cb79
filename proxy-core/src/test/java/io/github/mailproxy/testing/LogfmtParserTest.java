package io.github.mailproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test parser must be strict, or a forged field could pass the tests that use it. */
class LogfmtParserTest {

    @Test
    void parsesBareAndQuotedValues() {
        assertThat(LogfmtParser.parse("a=1 b=\"x y\\\"z\\\\\\n\\u0085\" c=-"))
                .containsExactly(Map.entry("a", "1"), Map.entry("b", "x y\"z\\\n\u0085"), Map.entry("c", "-"));
        assertThat(LogfmtParser.parse("a=\"\"")).containsExactly(Map.entry("a", ""));
    }

    @Test
    void rejectsWhatItWouldHaveToGuess() {
        for (String bad : new String[] {"a=\"x", "a=\"x\\\"", "a=\"\\q\"", "a=\"\\u12\"", "a=\"\\u12G4\"",
                "a=1  b=2", "a=1 ", "a", "=1", "a=", "a=1 a=2", "a=x\"y", "a=x=y", "a=\"x\"y", "a=\"x\ny\"",
                "a=x\u0085y", "a=\"x\u2028\"", "a b=1"}) {
            assertThatThrownBy(() -> LogfmtParser.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
