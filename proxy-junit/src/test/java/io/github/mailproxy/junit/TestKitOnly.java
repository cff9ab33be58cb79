package io.github.mailproxy.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that only an outer test runs, through JUnit's EngineTestKit: some of these
 * classes fail on purpose. Surefire skips nested classes anyway ({@code **}{@code /*$*}); this keeps
 * an IDE that runs them directly from reporting the deliberate failures.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TestKitOnly.Condition.class)
@interface TestKitOnly {

    /** The configuration parameter that {@link TestKit#run(Class)} sets and nothing else does. */
    String PARAMETER = "mailproxy.junit.run-from-testkit";

    /** Enables the class only when the testkit runs it. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by EngineTestKit")
                    : ConditionEvaluationResult.disabled("runs only from EngineTestKit, driven by its outer test");
        }
    }
}
