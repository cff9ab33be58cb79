package io.github.mailproxy.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs a {@link TestKitOnly} class on the Jupiter engine and hands back what happened. */
final class TestKit {

    private TestKit() {
    }

    static EngineExecutionResults run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter(TestKitOnly.PARAMETER, "true")
                .selectors(selectClass(testClass))
                .execute();
    }
}
