package io.github.mailproxy.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.github.mailproxy.ProxyServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Per-method by default, per-class when static or asked for: runs small test classes through the
 * EngineTestKit and checks which proxies their tests saw, and that each was closed afterwards.
 */
class ProxyExtensionLifecycleTest {

    /** The backend is never reached: these tests only look at the proxy. */
    private static final int UNUSED_BACKEND_PORT = 9;

    @BeforeEach
    void clearProbe() {
        Probe.clear();
    }

    @Test
    void anInstanceFieldGivesEachTestItsOwnProxyAndClosesIt() {
        TestKit.run(PerMethod.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(Probe.seen()).hasSize(2);
        ProxyServer first = Probe.seen().get(0).server();
        ProxyServer second = Probe.seen().get(1).server();
        assertThat(first).isNotSameAs(second);
        assertThat(Probe.seen()).allSatisfy(seen -> assertThat(Probe.listening(seen.imapPort())).isFalse());
    }

    @Test
    void aStaticFieldGivesTheWholeClassOneProxyIncludingNestedClassesAndClosesItAfterwards() {
        TestKit.run(PerClassStatic.class).testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));

        assertThat(Probe.seen()).hasSize(3);
        assertThat(Probe.seen()).extracting(Probe.Seen::server).containsOnly(Probe.seen().get(0).server());
        assertThat(Probe.listening(Probe.seen().get(0).imapPort())).isFalse();
    }

    @Test
    void perMethodKeepsAStaticFieldPerMethod() {
        TestKit.run(PerMethodStatic.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(Probe.seen()).extracting(Probe.Seen::server).doesNotHaveDuplicates().hasSize(2);
        assertThat(Probe.seen()).allSatisfy(seen -> assertThat(Probe.listening(seen.imapPort())).isFalse());
    }

    @Test
    void perClassOnAnInstanceFieldWorksWithPerClassTestInstances() {
        TestKit.run(PerClassInstance.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(Probe.seen()).extracting(Probe.Seen::server).hasSize(2).containsOnly(Probe.seen().get(0).server());
        assertThat(Probe.listening(Probe.seen().get(0).imapPort())).isFalse();
    }

    @Test
    void perClassOnAnInstanceFieldWithoutPerClassTestInstancesIsAConfigurationError() {
        EngineExecutionResults results = TestKit.run(PerClassMisused.class);

        results.testEvents().assertThatEvents().haveExactly(1, event(finishedWithFailure(
                instanceOf(ExtensionConfigurationException.class), message(m -> m.contains("perClass() needs")))));
        assertThat(Probe.seen()).isEmpty();
    }

    @Test
    void theServerIsUnavailableOutsideATest() {
        ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", UNUSED_BACKEND_PORT);
        org.assertj.core.api.Assertions.assertThatThrownBy(proxy::server)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no proxy is running");
    }

    @TestKitOnly
    static class PerMethod {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", UNUSED_BACKEND_PORT);

        @Test
        void one() {
            Probe.see(proxy);
            assertThat(Probe.listening(proxy.imapPort())).isTrue();
        }

        @Test
        void two() {
            Probe.see(proxy);
        }
    }

    @TestKitOnly
    static class PerClassStatic {
        @RegisterExtension
        static ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", UNUSED_BACKEND_PORT);

        @Test
        void one() {
            Probe.see(proxy);
        }

        @Test
        void two() {
            Probe.see(proxy);
        }

        @Nested
        class Inner {
            @Test
            void three() {
                Probe.see(proxy);
            }
        }
    }

    @TestKitOnly
    static class PerMethodStatic {
        @RegisterExtension
        static ProxyExtension proxy = ProxyExtension.builder().imapBackend("127.0.0.1", UNUSED_BACKEND_PORT).perMethod().build();

        @Test
        void one() {
            Probe.see(proxy);
        }

        @Test
        void two() {
            Probe.see(proxy);
        }
    }

    @TestKitOnly
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassInstance {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.builder().imapBackend("127.0.0.1", UNUSED_BACKEND_PORT).perClass().build();

        @Test
        void one() {
            Probe.see(proxy);
        }

        @Test
        void two() {
            Probe.see(proxy);
        }
    }

    @TestKitOnly
    static class PerClassMisused {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.builder().imapBackend("127.0.0.1", UNUSED_BACKEND_PORT).perClass().build();

        @Test
        void one() {
            Probe.see(proxy);
        }
    }
}
