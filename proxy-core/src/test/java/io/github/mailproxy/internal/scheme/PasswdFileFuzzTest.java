package io.github.mailproxy.internal.scheme;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.PassDbResult;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the passwd-file parser with arbitrary file contents: it returns users and skipped lines,
 * never throws, and every user it returns is one the format allows.
 */
class PasswdFileFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parse(byte[] file) {
        PasswdFileParser.Contents contents = PasswdFileParser.parse(file);
        long lines = 1;
        for (byte b : file) {
            if (b == '\n') {
                lines++;
            }
        }
        assertThat(contents.users().size() + contents.problems().size()).isLessThanOrEqualTo((int) lines);
        for (Map.Entry<String, PassDbResult> user : contents.users().entrySet()) {
            assertThat(user.getKey()).isNotEmpty().doesNotContain(":");
            assertThat(user.getKey().codePoints()).noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
            assertThat(user.getValue().status()).isEqualTo(PassDbResult.Status.FOUND);
            assertThat(user.getValue().fields()).doesNotContainKey("");
        }
        for (PasswdFileParser.Problem problem : contents.problems()) {
            assertThat(problem.line()).isBetween(1, (int) lines);
            assertThat(problem.reason()).isNotBlank();
        }
    }
}
