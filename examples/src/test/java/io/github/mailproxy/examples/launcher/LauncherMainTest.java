package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes and what is printed, for everything that ends without serving. */
class LauncherMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Launcher launcher = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryKey() {
        assertThat(launcher.run(new String[] {"--help"})).isZero();

        for (ConfigKey<?> key : ConfigKey.values()) {
            assertThat(out()).contains("  " + key.key() + " ");
        }
        assertThat(out()).contains("--config FILE");
        assertThat(err()).isEmpty();
    }

    @Test
    void missingConfigFileExitsWithOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("missing.properties");

        assertThat(launcher.run(new String[] {"--config", missing.toString()})).isEqualTo(2);

        assertThat(err()).isEqualTo("mailproxy: config file " + missing + ": not found" + System.lineSeparator());
    }

    @Test
    void unknownKeyExitsWithOneLineNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "imap.listen = 127.0.0.1:0\nimap.port = 143\n");

        assertThat(launcher.run(new String[] {"--config", file.toString()})).isEqualTo(2);

        assertThat(err()).isEqualTo("mailproxy: config file " + file + " line 2: imap.port: unknown key"
                + " (java -jar mailproxy.jar --help lists the keys)" + System.lineSeparator());
    }

    @Test
    void aPasswordOnALineOfItsOwnIsReportedByLineNumberAndNeverPrinted(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pasted.properties");
        Files.writeString(file, "imap.listen = 127.0.0.1:0\nauth.master.password =\nhunter2\npassdb = static\n");

        assertThat(launcher.run(new String[] {"--config", file.toString()})).isEqualTo(2);

        assertThat(err()).isEqualTo("mailproxy: config file " + file
                + " line 3: not a 'key = value' line (not shown: it may be a secret)" + System.lineSeparator());
        assertThat(out() + err()).doesNotContain("hunter2");
    }

    @Test
    void aJdbcUrlPasswordIsMaskedInTheError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("jdbc.properties");
        Files.writeString(file, """
                imap.listen = 127.0.0.1:0
                passdb = jdbc
                passdb.jdbc.url = jdbc:nosuchdb://db1/mail?user=proxy&password=hunter2
                passdb.jdbc.query = SELECT 1
                """);

        assertThat(launcher.run(new String[] {"--config", file.toString()})).isEqualTo(2);

        assertThat(err()).startsWith("mailproxy: passdb.jdbc.url: no JDBC driver for "
                + "'jdbc:nosuchdb://db1/mail?user=proxy&password=***'");
        assertThat(out() + err()).doesNotContain("hunter2");
    }

    @Test
    void unexpectedArgumentsExitWithUsageHint() {
        assertThat(launcher.run(new String[] {"--cfg", "x"})).isEqualTo(2);

        assertThat(err()).contains("--help");
    }
}
