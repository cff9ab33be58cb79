package io.github.mailproxy.testing;

import java.util.List;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Checks the log lines written after the last test class ended (by threads a test left running)
 * once the whole test plan is done. JUnit does not let a listener fail the run, so a finding ends
 * the test JVM with exit status 1, which surefire reports as a failed fork. Registered through
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
            LogSecrets.originalErr().println("After the last test class ended: " + LogSecrets.report(found));
            LogSecrets.originalErr().flush();
            Runtime.getRuntime().halt(1);
        }
    }
}
