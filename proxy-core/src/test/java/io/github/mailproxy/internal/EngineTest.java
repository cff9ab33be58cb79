package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    /** The test protocol on an ephemeral loopback port, without TLS. */
    private static final Listener PLAIN_LINE = new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.PLAIN, null);

    private EchoBackend backend;
    private ProxyServer server;
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startBackend() throws IOException {
        backend = new EchoBackend();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
        backend.close();
    }

    private ProxyServer start(Listener listener, PassDb passDb) {
        server = ProxyServer.builder().listen(listener).passDb(passDb).eventLoops(2).authFailureDelay(Duration.ZERO)
                .sessionListener(events::add).loginTimeout(Duration.ofSeconds(10)).build().start();
        return server;
    }

    private PassDb toBackend() {
        return StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y");
    }

    @Test
    void relaysBytesBothWaysAfterLogin() throws IOException {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            assertThat(c.line()).isEqualTo("HELLO");
            c.send("WHAT\r\n");
            assertThat(c.line()).isEqualTo("ERR unknown");
            c.send("LOGIN alice secret\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(3 * 1024 * 1024 + 17);
            byte[] echoed = c.exchange(payload);
            assertThat(echoed).isEqualTo(payload);
        }
        Await.until("one session event", Duration.ofSeconds(5), () -> events.size() == 1);
        SessionEvent e = events.get(0);
        assertThat(e.outcome()).isEqualTo(SessionEvent.Outcome.PROXIED);
        assertThat(e.user()).isEqualTo("alice");
        assertThat(e.bytesFromClient()).isEqualTo(3 * 1024 * 1024 + 17);
        assertThat(e.bytesToClient()).isEqualTo(3 * 1024 * 1024 + 17);
        assertThat(e.backendAddress().getPort()).isEqualTo(backend.port());
    }

    @Test
    void commandsPipelinedAfterLoginReachTheBackend() throws IOException {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\nPING 1\r\nPING 2\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            assertThat(c.line()).isEqualTo("PING 1");
            assertThat(c.line()).isEqualTo("PING 2");
        }
    }

    @Test
    void triesTheNextHostWhenOneRefuses() throws IOException {
        PassDb twoHosts = StaticPassDb.parse("proxy=y host=127.0.0.2,127.0.0.1 port=" + backend.port());
        start(PLAIN_LINE, twoHosts);
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
        }
    }

    @Test
    void unreachableBackendLetsTheClientRetry() throws IOException {
        int deadPort;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = ss.getLocalPort();
        }
        start(PLAIN_LINE,
                StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + deadPort));
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("UNAVAILABLE");
            c.send("WHAT\r\n");
            assertThat(c.line()).isEqualTo("ERR unknown");
        }
    }

    @Test
    void failingPassDbIsATemporaryRejection() throws IOException {
        PassDb broken = request -> CompletableFuture.failedFuture(new IllegalStateException("db down"));
        start(PLAIN_LINE, broken);
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("NO Reject");
        }
    }

    @Test
    void notFoundIsARejection() throws IOException {
        start(PLAIN_LINE,
                request -> CompletableFuture.completedFuture(PassDbResult.notFound()));
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("NO Reject");
        }
    }

    @Test
    void loginTimeoutSaysGoodbye() throws IOException {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).loginTimeout(Duration.ofMillis(200)).sessionListener(events::add).build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            assertThat(c.line()).isEqualTo("TIMEOUT");
            assertThat(c.line()).isNull();
        }
        Await.until("session event", Duration.ofSeconds(5), () -> events.size() == 1);
        assertThat(events.get(0).outcome()).isEqualTo(SessionEvent.Outcome.TIMEOUT);
    }

    @Test
    void closeSaysGoodbyeToClientsLoggingIn() throws IOException {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            server.close();
            assertThat(c.line()).isEqualTo("SHUTDOWN");
            assertThat(c.line()).isNull();
        }
        assertThat(server.stats().openSessions()).isZero();
    }

    @Test
    void idleRelayedSessionHoldsNoBuffer() throws IOException {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\nPING\r\n");
            c.line();
            assertThat(c.line()).isEqualTo("PING");
            Await.until("no buffer in use", Duration.ofSeconds(5), () -> server.stats().buffersInUse() == 0);
            assertThat(server.stats().openSessions()).isEqualTo(1);
            assertThat(server.stats().openBackendConnections()).isEqualTo(1);
        }
    }

    @Test
    void aClientThatStopsReadingSlowsTheBackendInsteadOfGrowingMemory() throws Exception {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            s.setReceiveBufferSize(64 * 1024);
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(128 * 1024 * 1024);
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    done.set(true);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // Nobody reads: the echo fills every socket buffer on the way and the writer must block,
            // while the proxy holds at most one buffer per direction.
            int maxInUse = 0;
            for (int i = 0; i < 200; i++) {
                maxInUse = Math.max(maxInUse, server.stats().buffersInUse());
                Thread.onSpinWait();
            }
            Await.until("the proxy to hold a buffer in each direction", Duration.ofSeconds(10),
                    () -> server.stats().buffersInUse() == 2);
            assertThat(done).isFalse();
            assertThat(maxInUse).isLessThanOrEqualTo(2);
            byte[] back = s.getInputStream().readNBytes(payload.length);
            writer.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(back).isEqualTo(payload);
        }
    }

    @Test
    void failedLoginsAreAnsweredAfterTheFailureDelayWithoutBlockingTheLoop() throws IOException {
        List<Runnable> delayed = new CopyOnWriteArrayList<>();
        List<Long> delays = new CopyOnWriteArrayList<>();
        io.github.mailproxy.Scheduler manual = (executor, command, delay, unit) -> {
            delays.add(unit.toMillis(delay));
            delayed.add(() -> executor.execute(command));
            return CompletableFuture.completedFuture(null);
        };
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(request -> CompletableFuture.completedFuture(request.user().equals("known")
                        ? PassDbResult.found(Map.of("proxy", "y", "host", "127.0.0.1", "password", "right",
                                "port", String.valueOf(backend.port())))
                        : PassDbResult.notFound()))
                .scheduler(manual).build().start();
        try (Socket s = connect(); Socket other = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN unknown pw\r\n");
            Await.until("the failure reply to be scheduled", Duration.ofSeconds(5), () -> delayed.size() == 1);
            LineClient o = LineClient.over(other);
            assertThat(o.line()).isEqualTo("HELLO");
            o.send("WHAT\r\n");
            assertThat(o.line()).as("the loop serves others meanwhile").isEqualTo("ERR unknown");
            assertThat(s.getInputStream().available()).as("no reply before the delay").isZero();
            delayed.get(0).run();
            assertThat(c.line()).isEqualTo("NO Reject");
            c.send("LOGIN known wrong\r\n");
            Await.until("the second failure to be scheduled", Duration.ofSeconds(5), () -> delayed.size() == 2);
            delayed.get(1).run();
            assertThat(c.line()).isEqualTo("NO Reject");
        }
        assertThat(delays).as("a second failure with other credentials doubles the delay (auth penalty)")
                .containsExactly(2000L, 4000L);
    }

    @Test
    void aBackendThatNeverGreetsTimesOutAsTheProxyTimeoutSays() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            server = ProxyServer.builder().listen(PLAIN_LINE)
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 proxy_timeout=1 port=" + silent.getLocalPort()))
                    .build().start();
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN a b\r\n");
                // the login timeout is 60 s and the socket's read timeout 10 s: only proxy_timeout can answer
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
            }
        }
    }

    @Test
    void connectionsOverTheLimitsAreToldToComeBackLater() throws IOException {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).maxConnectionsPerIp(2).maxConnections(3).build().start();
        try (Socket first = connect(); Socket second = connect()) {
            assertThat(LineClient.over(first).line()).isEqualTo("HELLO");
            assertThat(LineClient.over(second).line()).isEqualTo("HELLO");
            try (Socket third = connect()) {
                LineClient c = LineClient.over(third);
                assertThat(c.line()).isEqualTo("BUSY");
                assertThat(c.line()).isNull();
            }
            // the refused connection counts until its session has closed, which may follow the EOF seen here
            Await.until("the refused connection released", Duration.ofSeconds(5),
                    () -> server.stats().openSessions() == 2);
            try (Socket otherIp = new Socket()) {
                otherIp.setSoTimeout(10_000);
                otherIp.bind(new InetSocketAddress("127.0.0.2", 0));
                otherIp.connect(new InetSocketAddress("127.0.0.1", server.port("line")));
                assertThat(LineClient.over(otherIp).line()).as("another address has its own count").isEqualTo("HELLO");
                try (Socket overTotal = new Socket()) {
                    overTotal.setSoTimeout(10_000);
                    overTotal.bind(new InetSocketAddress("127.0.0.3", 0));
                    overTotal.connect(new InetSocketAddress("127.0.0.1", server.port("line")));
                    assertThat(LineClient.over(overTotal).line()).as("the total is reached").isEqualTo("BUSY");
                }
            }
        }
        Await.until("all connections released", Duration.ofSeconds(5), () -> server.stats().openSessions() == 0);
        try (Socket again = connect()) {
            assertThat(LineClient.over(again).line()).isEqualTo("HELLO");
        }
    }

    @Test
    void loginsOverThePerAddressRateAreDeferredWithoutAskingThePassDb() throws IOException {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(request -> {
                    lookups.incrementAndGet();
                    return CompletableFuture.completedFuture(PassDbResult.notFound());
                })
                .authFailureDelay(Duration.ZERO).maxLoginsPerIpPerMinute(2).build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            for (int i = 0; i < 3; i++) {
                c.send("LOGIN u p\r\n");
                assertThat(c.line()).isEqualTo("NO Reject");
            }
        }
        assertThat(lookups).hasValue(2);
    }

    @Test
    void closeLetsRelayedSessionsRunUntilTheDeadlineThenClosesThem() throws Exception {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).shutdownTimeout(Duration.ofSeconds(3)).sessionListener(events::add).build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            c.send("STILL THERE\r\n");
            assertThat(c.line()).as("relayed during the shutdown grace").isEqualTo("STILL THERE");
            assertThat(closing).isNotDone();
            closing.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.line()).isNull();
        }
        assertThat(server.stats().openSessions()).isZero();
        assertThat(events).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo(SessionEvent.Outcome.SHUTDOWN));
    }

    @Test
    void aPassDbThatNeverAnswersIsATemporaryFailure() throws IOException {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(request -> new CompletableFuture<>()).passDbTimeout(Duration.ofMillis(300)).build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("NO Reject");
        }
    }

    @Test
    void aSilentClientIsDisconnectedAfterTheIdleTimeoutAndASlowOneAfterTheLoginTimeout() throws IOException {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).idleTimeout(Duration.ofMillis(300)).loginTimeout(Duration.ofSeconds(2))
                .sessionListener(events::add).build().start();
        try (Socket silent = connect()) {
            LineClient c = LineClient.over(silent);
            c.line();
            assertThat(c.line()).isEqualTo("TIMEOUT");
            assertThat(c.line()).isNull();
        }
        try (Socket slowloris = connect()) {
            LineClient c = LineClient.over(slowloris);
            c.line();
            String timeout = null;
            // one byte every 100 ms keeps it from being idle, but not from the login deadline
            for (int i = 0; i < 100 && timeout == null; i++) {
                c.send("x");
                if (slowloris.getInputStream().available() > 0) {
                    timeout = c.line();
                }
                Thread.sleep(100); // the client's pace, which is what this test is about; no synchronisation
            }
            assertThat(timeout).isEqualTo("TIMEOUT");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Await.until("two session events", Duration.ofSeconds(5), () -> events.size() == 2);
        assertThat(events).allSatisfy(e -> assertThat(e.outcome()).isEqualTo(SessionEvent.Outcome.TIMEOUT));
    }

    @Test
    void aBackendThatHangsUpDuringLoginLetsTheClientRetry() throws Exception {
        try (ServerSocket rude = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<Void> hangUp = CompletableFuture.runAsync(() -> {
                try (Socket s = rude.accept()) {
                    s.setSoLinger(true, 0); // a reset, not a clean close
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            start(PLAIN_LINE,
                    StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + rude.getLocalPort()));
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
                hangUp.get(5, java.util.concurrent.TimeUnit.SECONDS);
                c.send("SECURE\r\n");
                assertThat(c.line()).isEqualTo("NO");
            }
        }
    }

    @Test
    void eitherSideGoingAwayMidRelayClosesTheOther() throws IOException {
        start(PLAIN_LINE, toBackend());
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            c.line();
            Await.until("the backend connection", Duration.ofSeconds(5), () -> backend.sockets.size() == 1);
            backend.sockets.get(0).close();
            assertThat(c.line()).as("the client sees the backend go").isNull();
        }
        Await.until("everything closed", Duration.ofSeconds(5), () -> server.stats().openBackendConnections() == 0);
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            c.line();
            s.setSoLinger(true, 0);
        }
        Await.until("the backend side closed after the client vanished", Duration.ofSeconds(5),
                () -> server.stats().openSessions() == 0 && server.stats().openBackendConnections() == 0);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port("line"));
        s.setSoTimeout(10_000);
        return s;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
