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
import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("NO Reject");
        }
    }

    @Test
    void startTlsDiscardsWhatWasPipelinedBeforeTheHandshake() throws IOException {
        start(new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.STARTTLS, TestTls.serverContext()), toBackend());
        try (Socket s = connect()) {
            Conversation c = new Conversation(s);
            c.line();
            c.send("TLS\r\nLOGIN injected x\r\n");
            assertThat(c.line()).isEqualTo("OK go");
            SSLSocket tls = (SSLSocket) TestTls.clientContext().getSocketFactory()
                    .createSocket(s, "localhost", s.getPort(), true);
            tls.startHandshake();
            Conversation t = new Conversation(tls);
            t.send("SECURE\r\n");
            assertThat(t.line()).isEqualTo("YES");
            t.send("LOGIN a b\r\n");
            assertThat(t.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(1024 * 1024);
            assertThat(t.exchange(payload)).isEqualTo(payload);
        }
        Await.until("session event", Duration.ofSeconds(5), () -> events.size() == 1);
        assertThat(events.get(0).user()).isEqualTo("a");
    }

    @Test
    void implicitTlsRelays() throws IOException {
        start(new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.IMPLICIT, TestTls.serverContext()), toBackend());
        try (SSLSocket s = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            s.setSoTimeout(10_000);
            Conversation c = new Conversation(s);
            assertThat(c.line()).isEqualTo("HELLO");
            c.send("SECURE\r\nLOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("YES");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(2 * 1024 * 1024 + 3);
            assertThat(c.exchange(payload)).isEqualTo(payload);
        }
    }

    @Test
    void loginTimeoutSaysGoodbye() throws IOException {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).loginTimeout(Duration.ofMillis(200)).sessionListener(events::add).build().start();
        try (Socket s = connect()) {
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
    void relaysToABackendOverImplicitTls() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT)) {
            server = ProxyServer.builder().listen(PLAIN_LINE)
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 ssl=yes port=" + tlsBackend.port()))
                    .backendSslContext(TestTls.clientContext()).build().start();
            try (Socket s = connect()) {
                Conversation c = new Conversation(s);
                c.line();
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("OK WELCOME");
                byte[] payload = randomBytes(1024 * 1024 + 5);
                assertThat(c.exchange(payload)).isEqualTo(payload);
            }
        }
    }

    @Test
    void refusesABackendCertificateItDoesNotTrustUnlessAnyCert() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT)) {
            server = ProxyServer.builder().listen(PLAIN_LINE)
                    .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "host", "127.0.0.1", "port", String.valueOf(tlsBackend.port()),
                            "ssl", request.user().equals("any") ? "any-cert" : "yes")))).build().start();
            try (Socket s = connect()) {
                Conversation c = new Conversation(s);
                c.line();
                c.send("LOGIN strict b\r\n");
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
                c.send("LOGIN any b\r\n");
                assertThat(c.line()).isEqualTo("OK WELCOME");
            }
        }
    }

    @Test
    void hostipIsConnectedToWhileHostIsTheNameTheCertificateMustCarry() throws IOException {
        // the test certificate is for localhost and 127.0.0.1; every row connects to 127.0.0.1
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT)) {
            server = ProxyServer.builder().listen(PLAIN_LINE)
                    .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "hostip", "127.0.0.1", "host", request.user(), "port", String.valueOf(tlsBackend.port()),
                            "ssl", "yes"))))
                    .backendSslContext(TestTls.clientContext()).build().start();
            try (Socket s = connect()) {
                Conversation c = new Conversation(s);
                c.line();
                c.send("LOGIN localhost b\r\n");
                assertThat(c.line()).as("the name is on the certificate").isEqualTo("OK WELCOME");
            }
            try (Socket s = connect()) {
                Conversation c = new Conversation(s);
                c.line();
                // the address connected to is on the certificate too, but the name is what counts
                c.send("LOGIN imap.example.org b\r\n");
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
            }
        }
        server.close();
        // a name that does not resolve is never looked up when hostip is given
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(StaticPassDb.parse("proxy=y host=no-such-host.invalid hostip=127.0.0.1 port=" + backend.port()))
                .build().start();
        try (Socket s = connect()) {
            Conversation c = new Conversation(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
        }
    }

    @Test
    void upgradesTheBackendConnectionWithStartTls() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.STARTTLS)) {
            server = ProxyServer.builder().listen(PLAIN_LINE)
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 starttls=yes port=" + tlsBackend.port()))
                    .backendSslContext(TestTls.clientContext()).build().start();
            try (Socket s = connect()) {
                Conversation c = new Conversation(s);
                c.line();
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("OK SECURE-WELCOME");
                byte[] payload = randomBytes(512 * 1024);
                assertThat(c.exchange(payload)).isEqualTo(payload);
            }
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
            Conversation c = new Conversation(s);
            c.line();
            c.send("LOGIN unknown pw\r\n");
            Await.until("the failure reply to be scheduled", Duration.ofSeconds(5), () -> delayed.size() == 1);
            Conversation o = new Conversation(other);
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
                Conversation c = new Conversation(s);
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
            assertThat(new Conversation(first).line()).isEqualTo("HELLO");
            assertThat(new Conversation(second).line()).isEqualTo("HELLO");
            try (Socket third = connect()) {
                Conversation c = new Conversation(third);
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
                assertThat(new Conversation(otherIp).line()).as("another address has its own count").isEqualTo("HELLO");
                try (Socket overTotal = new Socket()) {
                    overTotal.setSoTimeout(10_000);
                    overTotal.bind(new InetSocketAddress("127.0.0.3", 0));
                    overTotal.connect(new InetSocketAddress("127.0.0.1", server.port("line")));
                    assertThat(new Conversation(overTotal).line()).as("the total is reached").isEqualTo("BUSY");
                }
            }
        }
        Await.until("all connections released", Duration.ofSeconds(5), () -> server.stats().openSessions() == 0);
        try (Socket again = connect()) {
            assertThat(new Conversation(again).line()).isEqualTo("HELLO");
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
            Conversation c = new Conversation(s);
            c.line();
            for (int i = 0; i < 3; i++) {
                c.send("LOGIN u p\r\n");
                assertThat(c.line()).isEqualTo("NO Reject");
            }
        }
        assertThat(lookups).hasValue(2);
    }

    @Test
    void onlyTheConfiguredTlsVersionsAreAccepted() throws IOException {
        server = ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.IMPLICIT, TestTls.serverContext()))
                .passDb(toBackend()).tlsProtocols("TLSv1.3").build().start();
        try (SSLSocket tls12 = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            tls12.setSoTimeout(10_000);
            tls12.setEnabledProtocols(new String[] {"TLSv1.2"});
            org.assertj.core.api.Assertions.assertThatThrownBy(tls12::startHandshake).isInstanceOf(IOException.class);
        }
        try (SSLSocket tls13 = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            tls13.setSoTimeout(10_000);
            assertThat(new Conversation(tls13).line()).isEqualTo("HELLO");
            assertThat(tls13.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void closeLetsRelayedSessionsRunUntilTheDeadlineThenClosesThem() throws Exception {
        server = ProxyServer.builder().listen(PLAIN_LINE)
                .passDb(toBackend()).shutdownTimeout(Duration.ofSeconds(3)).sessionListener(events::add).build().start();
        try (Socket s = connect()) {
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(silent);
            c.line();
            assertThat(c.line()).isEqualTo("TIMEOUT");
            assertThat(c.line()).isNull();
        }
        try (Socket slowloris = connect()) {
            Conversation c = new Conversation(slowloris);
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
                Conversation c = new Conversation(s);
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
            Conversation c = new Conversation(s);
            c.line();
            c.send("LOGIN a b\r\n");
            c.line();
            Await.until("the backend connection", Duration.ofSeconds(5), () -> backend.sockets.size() == 1);
            backend.sockets.get(0).close();
            assertThat(c.line()).as("the client sees the backend go").isNull();
        }
        Await.until("everything closed", Duration.ofSeconds(5), () -> server.stats().openBackendConnections() == 0);
        try (Socket s = connect()) {
            Conversation c = new Conversation(s);
            c.line();
            c.send("LOGIN a b\r\n");
            c.line();
            s.setSoLinger(true, 0);
        }
        Await.until("the backend side closed after the client vanished", Duration.ofSeconds(5),
                () -> server.stats().openSessions() == 0 && server.stats().openBackendConnections() == 0);
    }

    @Test
    void aClientVanishingMidHandshakeOrMidLineLeavesNothingBehind() throws IOException {
        start(new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.IMPLICIT, TestTls.serverContext()), toBackend());
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}); // half a ClientHello
            s.setSoLinger(true, 0);
        }
        Await.until("the half-open TLS session closed", Duration.ofSeconds(5), () -> server.stats().openSessions() == 0);
        assertThat(server.stats().buffersInUse()).isZero();
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

    /** Line-oriented client side of a test conversation. */
    private static final class Conversation {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Conversation(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** @return the next line without CRLF, or null at end of stream */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) c);
            }
            return sb.length() == 0 ? null : sb.toString();
        }

        /** Sends the payload from another thread while reading the same number of bytes back. */
        byte[] exchange(byte[] payload) throws IOException {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    out.write(payload);
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = in.readNBytes(payload.length);
            writer.join();
            return back;
        }
    }

    /** A backend that greets with WELCOME and echoes everything; a thread per connection (test only). */
    private static final class EchoBackend implements AutoCloseable {
        private final ServerSocket serverSocket;
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        enum Tls { NONE, IMPLICIT, STARTTLS }

        private final Tls tls;

        EchoBackend() throws IOException {
            this(Tls.NONE);
        }

        EchoBackend(Tls tls) throws IOException {
            this.tls = tls;
            serverSocket = tls == Tls.IMPLICIT
                    ? TestTls.serverContext().getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))
                    : new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread acceptor = new Thread(this::acceptLoop, "echo-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return serverSocket.getLocalPort();
        }

        private void acceptLoop() {
            while (!serverSocket.isClosed()) {
                try {
                    Socket s = serverSocket.accept();
                    sockets.add(s);
                    Thread t = new Thread(() -> echo(s, tls), "echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void echo(Socket plain, Tls tls) {
            try (plain) {
                Socket s = plain;
                s.getOutputStream().write("WELCOME\r\n".getBytes(StandardCharsets.US_ASCII));
                if (tls == Tls.STARTTLS) {
                    byte[] command = s.getInputStream().readNBytes("STARTTLS\r\n".length());
                    assertThat(new String(command, StandardCharsets.US_ASCII)).isEqualTo("STARTTLS\r\n");
                    s.getOutputStream().write("GO\r\n".getBytes(StandardCharsets.US_ASCII));
                    SSLSocket secured = (SSLSocket) TestTls.serverContext().getSocketFactory()
                            .createSocket(s, null, s.getPort(), true);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    s = secured;
                    s.getOutputStream().write("SECURE-WELCOME\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                s.getInputStream().transferTo(s.getOutputStream());
            } catch (IOException e) {
                // the proxy closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            serverSocket.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
