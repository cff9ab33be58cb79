package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A PassDb that blocks holds up only its own login: lookups run on the engine's PassDb pool, the
 * pool is bounded, a loop that blocks anyway is reported, and nothing outlives the server.
 */
class BlockingPassDbTest {

    private static final Listener LINE = new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0),
            TlsMode.PLAIN, null);

    /** Released by each test when it has seen what it waits for; a lookup never waits longer than 5 s. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final AtomicReference<Thread> slowThread = new AtomicReference<>();
    private volatile boolean slowFinished;
    private ProxyServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
    }

    /** A lambda, so blocking by default: the user {@code slow} waits (like a JDBC call), others are unknown at once. */
    private final PassDb sleepy = request -> {
        if (request.user().equals("slow")) {
            slowThread.set(Thread.currentThread());
            slowStarted.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slowFinished = true;
        }
        return CompletableFuture.completedFuture(PassDbResult.notFound());
    };

    private ProxyServer start(ProxyServer.Builder builder) {
        server = builder.listen(LINE).eventLoops(1).authFailureDelay(Duration.ZERO).build().start();
        return server;
    }

    private LineClient connect() throws IOException {
        LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")));
        assertThat(c.line()).isEqualTo("HELLO");
        return c;
    }

    @Test
    void aBlockingLookupDoesNotHoldUpTheOtherSessionsOfItsLoop() throws Exception {
        start(ProxyServer.builder().passDb(sleepy));
        try (LineClient slow = connect()) {
            slow.send("LOGIN slow secret\r\n");
            assertThat(slowStarted.await(5, TimeUnit.SECONDS)).as("the slow lookup started").isTrue();

            // the same (only) loop accepts, greets, answers and runs another user's whole login meanwhile
            try (LineClient other = connect()) {
                assertThat(other.command("WHAT")).isEqualTo("ERR unknown");
                assertThat(other.command("LOGIN fast secret")).isEqualTo("NO Reject");
            }
            assertThat(slowFinished).as("the other client was served while the slow lookup still blocked").isFalse();
            assertThat(slowThread.get().getName()).startsWith("mailproxy-passdb-");

            release.countDown();
            assertThat(slow.line()).isEqualTo("NO Reject");
        }
    }

    @Test
    void theAnswerOfAPooledLookupIsDecidedOnTheSessionsLoop() throws Exception {
        List<String> deciders = new CopyOnWriteArrayList<>();
        AuthStrategy recording = new AuthStrategy() {
            @Override
            public Set<String> mechanisms() {
                return AuthStrategy.passwordForwarding().mechanisms();
            }

            @Override
            public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
                deciders.add(Thread.currentThread().getName());
                return AuthStrategy.passwordForwarding().decide(request, result);
            }
        };
        start(ProxyServer.builder().passDb(sleepy).authStrategy(recording));
        try (LineClient c = connect()) {
            assertThat(c.command("LOGIN fast secret")).isEqualTo("NO Reject");
        }
        assertThat(deciders).containsExactly("mailproxy-loop-0");
    }

    @Test
    void aPassDbThatSaysItIsNonBlockingIsCalledOnTheLoop() throws Exception {
        List<String> callers = new CopyOnWriteArrayList<>();
        start(ProxyServer.builder().passDb(new NonBlocking(request -> {
            callers.add(Thread.currentThread().getName());
            return CompletableFuture.completedFuture(PassDbResult.notFound());
        })));
        try (LineClient c = connect()) {
            assertThat(c.command("LOGIN fast secret")).isEqualTo("NO Reject");
        }
        assertThat(callers).containsExactly("mailproxy-loop-0");
    }

    @Test
    void lookupsBeyondThePoolAndItsQueueFailTemporarilyAtOnce() throws Exception {
        List<PassDbResult.Status> seen = new CopyOnWriteArrayList<>();
        AuthStrategy recording = new AuthStrategy() {
            @Override
            public Set<String> mechanisms() {
                return AuthStrategy.passwordForwarding().mechanisms();
            }

            @Override
            public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
                seen.add(result.status());
                return AuthStrategy.passwordForwarding().decide(request, result);
            }
        };
        CountDownLatch allStarted = new CountDownLatch(1);
        PassDb stuck = request -> {
            allStarted.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(PassDbResult.notFound());
        };
        start(ProxyServer.builder().passDb(stuck).authStrategy(recording).passDbThreads(1));
        int held = 1 + OffLoopPassDb.QUEUE_PER_THREAD;  // one lookup running, the rest queued
        int extra = 3;
        List<LineClient> clients = new ArrayList<>();
        try (LogCapture log = new LogCapture()) {
            try {
                for (int i = 0; i < held + extra; i++) {
                    LineClient c = connect();
                    clients.add(c);
                    c.send("LOGIN user" + i + " secret\r\n");
                }
                // which logins find the pool full depends on the order the loop reads them; how many does not
                Await.until(() -> "three logins decided at once, but " + seen, Duration.ofSeconds(5),
                        () -> seen.size() == extra);
                assertThat(allStarted.getCount()).as("one lookup runs").isZero();
                assertThat(seen).as("decided on a temporary failure while the pool's lookups still wait")
                        .containsOnly(PassDbResult.Status.TEMPORARY_FAILURE);
                release.countDown();
                for (LineClient c : clients) {
                    assertThat(c.line()).isEqualTo("NO Reject");
                }
                assertThat(seen).hasSize(held + extra);
            } finally {
                for (LineClient c : clients) {
                    c.close();
                }
            }
            server.close();  // writes the refusal summary
            Matcher counts = Pattern.compile("refused cause=passdb-busy count=(\\d+)").matcher(log.text());
            int refused = 0;
            while (counts.find()) {
                refused += Integer.parseInt(counts.group(1));
            }
            assertThat(refused).as("refusals counted in the summary").isEqualTo(extra);
        }
    }

    @Test
    void aLoopBlockedByAPassDbThatClaimsNotToBlockIsReportedOnceNamingTheLoop() throws Exception {
        PassDb liar = new NonBlocking(sleepy);
        start(ProxyServer.builder().passDb(liar));
        try (LogCapture log = new LogCapture(); LineClient slow = connect()) {
            slow.send("LOGIN slow secret\r\n");
            // the lookup blocks the loop until the watchdog has spoken (after 2 to 2.5 s), or 5 s at most
            Await.until("the watchdog's WARN", Duration.ofSeconds(8), () -> log.text().contains("event loop blocked"));
            release.countDown();
            assertThat(slow.line()).isEqualTo("NO Reject");
            assertThat(slowThread.get().getName()).isEqualTo("mailproxy-loop-0");
            List<String> warnings = log.text().lines().filter(l -> l.contains("event loop blocked")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0)).contains("WARN", "loop=mailproxy-loop-0", "threshold_ms=2000",
                    "task=io.github.mailproxy.internal.");
            assertThat(log.text()).as("the stack names the blocking PassDb")
                    .contains("io.github.mailproxy.internal.BlockingPassDbTest$NonBlocking.lookup(");
        }
    }

    @Test
    void noPassDbOrWatchdogThreadOutlivesTheServer() throws Exception {
        Set<Thread> before = mailproxyThreads();
        start(ProxyServer.builder().passDb(sleepy));
        LineClient slow = connect();
        slow.send("LOGIN slow secret\r\n");
        assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue();
        Set<Thread> started = mailproxyThreads();
        started.removeAll(before);
        assertThat(started.stream().map(Thread::getName).collect(Collectors.toSet()))
                .anyMatch(n -> n.startsWith("mailproxy-passdb-"))
                .contains("mailproxy-watchdog", "mailproxy-loop-0");

        server.close();  // while the lookup still blocks: its thread is interrupted
        slow.close();

        Await.until(() -> "threads still alive: " + alive(started), Duration.ofSeconds(5),
                () -> alive(started).isEmpty());
        assertThat(slowFinished).isTrue();
    }

    @Test
    void aFailedStartLeavesNoThread() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Set<Thread> before = mailproxyThreads();
            ProxyServer failing = ProxyServer.builder().passDb(sleepy).eventLoops(1)
                    .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", taken.getLocalPort()),
                            TlsMode.PLAIN, null))
                    .build();
            assertThatThrownBy(failing::start).isInstanceOf(UncheckedIOException.class);
            Set<Thread> after = mailproxyThreads();
            after.removeAll(before);
            assertThat(alive(after)).isEmpty();
            failing.close();
        }
    }

    private static Set<Thread> mailproxyThreads() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("mailproxy-")) {
                threads.add(t);
            }
        }
        return threads;
    }

    private static List<String> alive(Set<Thread> threads) {
        return threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    /** Wraps a PassDb that declares itself non-blocking, as the shipped ones do. */
    private record NonBlocking(PassDb delegate) implements PassDb {
        @Override
        public CompletionStage<PassDbResult> lookup(AuthRequest request) {
            return delegate.lookup(request);
        }

        @Override
        public boolean nonBlocking() {
            return true;
        }
    }
}
