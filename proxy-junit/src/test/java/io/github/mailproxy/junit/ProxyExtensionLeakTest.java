package io.github.mailproxy.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

/** A test that leaves a client connected fails, naming what it left; a tidy test passes. */
class ProxyExtensionLeakTest {

    /** Short, so the deliberately leaky tests do not wait the default five seconds. */
    private static final Duration QUICK = Duration.ofMillis(300);

    private static GreenMail greenMail;
    private static final List<AutoCloseable> LEFT_OPEN = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startBackend() {
        greenMail = TestBackend.start();
        greenMail.setUser("carol@example.org", "carol", "pw-carol");
    }

    @AfterAll
    static void stopBackend() {
        greenMail.stop();
    }

    @BeforeEach
    void clearProbe() {
        Probe.clear();
    }

    @AfterEach
    void closeWhatTheLeakyTestsLeft() throws Exception {
        for (AutoCloseable c : LEFT_OPEN) {
            c.close();
        }
        LEFT_OPEN.clear();
    }

    @Test
    void aTestThatLeavesASessionOpenFailsWithTheLeakMessage() {
        EngineExecutionResults results = TestKit.run(LeavesASocketOpen.class);

        results.testEvents().assertThatEvents().haveExactly(1, event(test("leaves"), finishedWithFailure(
                instanceOf(AssertionError.class),
                message(m -> m.startsWith("ProxyExtension: the test leaked 1 session")
                        && m.contains("openSessions=1")
                        && m.contains("openBackendConnections=0")
                        && m.contains("close every client")))));
        // closed despite the failure: the leaked client is gone with it
        assertThat(Probe.seen()).hasSize(1);
        assertThat(Probe.listening(Probe.seen().get(0).imapPort())).isFalse();
    }

    @Test
    void aTestThatLeavesALoggedInStoreOpenFailsNamingTheBackendConnection() {
        EngineExecutionResults results = TestKit.run(LeavesAStoreOpen.class);

        results.testEvents().assertThatEvents().haveExactly(1, event(test("leaves"), finishedWithFailure(
                instanceOf(AssertionError.class),
                message(m -> m.contains("1 session, 1 backend connection") && m.contains("openBackendConnections=1")))));
    }

    @Test
    void aTestThatClosesItsClientPasses() {
        TestKit.run(ClosesItsSocket.class).testEvents().assertThatEvents()
                .haveExactly(1, event(test("closes"), finishedSuccessfully()));
    }

    @Test
    void aTestThatFailedOnItsOwnKeepsItsOwnFailureAndTheProxyIsStillClosed() {
        EngineExecutionResults results = TestKit.run(FailsAndLeaves.class);

        Event finished = results.testEvents().failed().list().get(0);
        Throwable thrown = finished.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessage("the test's own failure");
        assertThat(thrown.getSuppressed()).isEmpty();
        assertThat(Probe.listening(Probe.seen().get(0).imapPort())).isFalse();
    }

    @Test
    void aLeakInAPerClassProxyFailsTheClass() {
        EngineExecutionResults results = TestKit.run(LeavesASocketOpenPerClass.class);

        results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        results.containerEvents().assertThatEvents().haveExactly(1, event(
                container(LeavesASocketOpenPerClass.class), finishedWithFailure(
                        instanceOf(AssertionError.class), message(m -> m.contains("openSessions=1")))));
        assertThat(Probe.listening(Probe.seen().get(0).imapPort())).isFalse();
    }

    /** Connects to the proxy and reads its greeting, so the session is surely open. */
    static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        assertThat(greeting).startsWith("* OK");
        return socket;
    }

    @TestKitOnly
    static class LeavesASocketOpen {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.builder()
                .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
                .leakCheckTimeout(QUICK)
                .build();

        @Test
        void leaves() throws IOException {
            Probe.see(proxy);
            LEFT_OPEN.add(connect(proxy.imapPort()));
        }
    }

    @TestKitOnly
    static class LeavesAStoreOpen {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.builder()
                .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
                .leakCheckTimeout(QUICK)
                .build();

        @Test
        void leaves() throws Exception {
            Store store = Session.getInstance(TestBackend.client("imap", proxy.imapPort())).getStore("imap");
            store.connect("carol", "pw-carol");
            LEFT_OPEN.add(store);
        }
    }

    @TestKitOnly
    static class ClosesItsSocket {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", () -> greenMail.getImap().getPort());

        @Test
        void closes() throws IOException {
            connect(proxy.imapPort()).close();
        }
    }

    @TestKitOnly
    static class FailsAndLeaves {
        @RegisterExtension
        ProxyExtension proxy = ProxyExtension.builder()
                .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
                .leakCheckTimeout(QUICK)
                .build();

        @Test
        void fails() throws IOException {
            Probe.see(proxy);
            LEFT_OPEN.add(connect(proxy.imapPort()));
            throw new IllegalStateException("the test's own failure");
        }
    }

    @TestKitOnly
    static class LeavesASocketOpenPerClass {
        @RegisterExtension
        static ProxyExtension proxy = ProxyExtension.builder()
                .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
                .leakCheckTimeout(QUICK)
                .build();

        @Test
        void leaves() throws IOException {
            Probe.see(proxy);
            LEFT_OPEN.add(connect(proxy.imapPort()));
        }
    }
}
