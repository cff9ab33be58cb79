package io.github.mailproxy.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Checks the log lines written after the last test class ended (by threads a test left running)
 * once the whole test plan is done. JUnit does not let a listener fail the run, so a finding ends
 * the test JVM with exit status 1, which surefire reports as a failed fork ("terminated without
 * properly saying goodbye"); the findings are in {@code target/log-secrets-failure.txt}. Registered through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class LogSecretsListener implements TestExecutionListener {

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        LogSecrets.install();
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        List<String> found = LogSecrets.drain();
        if (!found.isEmpty() && !LogSecrets.fuzzing()) {
            String report = "After the last test class ended: " + LogSecrets.report(found) + "\n";
            // surefire's own streams are not flushed before a halt: write where the report survives
            Path file = Path.of("target", "log-secrets-failure.txt");
            try {
                Files.writeString(file, report, StandardCharsets.UTF_8);
            } catch (IOException e) {
                // the raw stderr below still carries it
            }
            PrintStream raw = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
            raw.print(report + "(also in " + file.toAbsolutePath() + ")\n");
            Runtime.getRuntime().halt(1);
        }
    }
}
