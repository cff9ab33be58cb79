package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.testing.FuzzInput;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the SQL template parser with arbitrary {@code password_query} text: it returns a template
 * or throws {@link IllegalArgumentException} naming the problem (its documented contract), never
 * anything else, and a returned template's SQL has exactly one {@code ?} outside strings, quoted
 * identifiers and comments per bind parameter, so no variable's value can ever become SQL text.
 * A plain {@code mvn verify} runs the committed inputs in {@code QueryTemplateFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes. Input layout: {@link FuzzInput}, the body is the template.
 */
class QueryTemplateFuzzTest {

    private static final AuthRequest REQUEST = new AuthRequest("imap", "o'brien@example.org", "pencil", "PLAIN",
            new InetSocketAddress("192.0.2.7", 40001), new InetSocketAddress("198.51.100.1", 143), false, "s1");

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parse(byte[] bytes) {
        String template = FuzzInput.of(bytes).field(0, 1);
        QueryTemplate parsed;
        try {
            parsed = QueryTemplate.parse(template);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("passdb query: ");
            return;
        }
        assertThat(placeholders(parsed.sql())).as("placeholders in " + parsed.sql()).isEqualTo(parsed.parameters().size());
        // CONCAT(?, '...') and doubled quotes are the only growth
        assertThat(parsed.sql().length()).isLessThanOrEqualTo(4 * template.length() + 16);
        List<String> values = parsed.values(REQUEST);
        assertThat(values).hasSize(parsed.parameters().size()).doesNotContainNull();
        assertThat(parsed.cacheKey()).isNotEmpty();
    }

    /**
     * Counts {@code ?} as a JDBC driver would see them: outside {@code '...'}, {@code "..."} and
     * {@code `...`} (a doubled quote stays inside), {@code --} line comments and block comments.
     * Written apart from the parser so that a mistake in one is not repeated in the other.
     *
     * @return the count, or -1 when a string or comment is left open
     */
    static int placeholders(String sql) {
        int count = 0;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int j = i + 1;
                while (true) {
                    if (j >= sql.length()) {
                        return -1;
                    }
                    if (sql.charAt(j) == c) {
                        if (c != '`' && j + 1 < sql.length() && sql.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                i = j + 1;
            } else if (sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    return -1;
                }
                i = end + 2;
            } else {
                if (c == '?') {
                    count++;
                }
                i++;
            }
        }
        return count;
    }
}
