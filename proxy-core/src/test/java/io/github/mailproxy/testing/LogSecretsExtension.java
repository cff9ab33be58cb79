package io.github.mailproxy.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when a test password appeared in a log line while it ran. Registered for every
 * test class of every module that has the proxy-core test-jar on its test class path, through
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true} in that jar's
 * {@code junit-platform.properties}.
 *
 * <p>Lines a class's background threads write after it ended are charged to the next class; those
 * after the last class, to {@link LogSecretsListener}.
 */
public final class LogSecretsExtension implements BeforeAllCallback, AfterAllCallback {

    static {
        // as early as JUnit creates the extension, before the first test class runs
        LogSecrets.install();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LogSecrets.install();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getRequiredTestClass().isAnnotationPresent(LogsSecretsOnPurpose.class)) {
            return;
        }
        List<String> found = LogSecrets.drain();
        if (!found.isEmpty() && !LogSecrets.fuzzing()) {
            throw new AssertionError(LogSecrets.report(found));
        }
    }
}
