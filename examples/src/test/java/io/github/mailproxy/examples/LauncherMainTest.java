package io.github.mailproxy.examples;

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

        for (ConfigKey key : ConfigKey.values()) {
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

        assertThat(err()).isEqualTo("mailproxy: imap.port: unknown key (java -jar mailproxy.jar --help lists the keys)"
                + System.lineSeparator());
    }

    @Test
    void unexpectedArgumentsExitWithUsageHint() {
        assertThat(launcher.run(new String[] {"--cfg", "x"})).isEqualTo(2);

        assertThat(err()).contains("--help");
    }
}
