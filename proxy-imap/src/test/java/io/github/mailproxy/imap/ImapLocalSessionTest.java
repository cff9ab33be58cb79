package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.Listener;
import io.github.mailproxy.LocalSession;
import io.github.mailproxy.LocalStreams;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LocalEcho;
import io.github.mailproxy.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** IMAP users served in-process by a local handler over blocking streams, plain and TLS. */
class ImapLocalSessionTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final int BIG = 32 * 1024 * 1024;

    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private final LocalEcho echo = new LocalEcho();
    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
        threads.shutdownNow();
    }

    private void start(Listener listener, String passDb, LocalStreams.Service service) {
        server = ProxyServer.builder().listen(listener).passDb(StaticPassDb.parse(passDb))
                .capabilityFilter(CapabilityFilter.remove("IDLE"))
                .localHandler(ImapProtocol.NAME, LocalStreams.handler(List.of("IMAP4rev1", "IDLE", "MOVE"), threads, service))
                .sessionListener(events::add).shutdownTimeout(Duration.ofSeconds(1)).eventLoops(1).build().start();
    }

    private InetSocketAddress proxy() {
        return new InetSocketAddress("127.0.0.1", server.port(ImapProtocol.NAME));
    }

    private SessionEvent event() {
        Await.until("the session event", Duration.ofSeconds(10), () -> !events.isEmpty());
        return events.get(0);
    }

    private void pipelinedLoginIsAnsweredByTheProxyAndTheRestServedLocally(LineClient c, boolean secured)
            throws Exception {
        assertThat(c.line()).startsWith("* OK");
        c.send("a LOGIN bob pw\r\nb NOOP\r\nLOGOUT\r\n");
        assertThat(c.line()).isEqualTo("a OK [CAPABILITY IMAP4rev1 MOVE] Logged in");
        assertThat(c.line()).isEqualTo("* ECHO b NOOP");
        assertThat(c.line()).isEqualTo("* BYE");
        assertThat(c.line()).as("the server closed first").isNull();
        LocalEcho.Served served = echo.served.poll(10, TimeUnit.SECONDS);
        assertThat(served).isEqualTo(new LocalEcho.Served("bob", "imap", "a", secured, "127.0.0.1",
                List.of("b NOOP", "LOGOUT")));
        SessionEvent event = event();
        assertThat(event.outcome()).isEqualTo(SessionEvent.Outcome.LOCAL);
        assertThat(event.user()).isEqualTo("bob");
        assertThat(event.backendAddress()).isNull();
        assertThat(event.bytesFromClient()).isEqualTo("b NOOP\r\nLOGOUT\r\n".length());
        assertThat(event.bytesToClient()).isEqualTo("* ECHO b NOOP\r\n* BYE\r\n".length());
    }

    @Test
    void aLocalUserGetsTheProxysOkAndTheHandlerGetsWhatWasPipelinedBehindLogin() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connect(null, proxy())) {
            pipelinedLoginIsAnsweredByTheProxyAndTheRestServedLocally(c, false);
        }
    }

    @Test
    void aLocalUserOverImplicitTlsIsServedInTheClearByTheHandler() throws Exception {
        start(ImapProtocol.implicitTls(LOOPBACK, TestTls.serverContext()), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connectTls(TestTls.clientContext(), proxy())) {
            pipelinedLoginIsAnsweredByTheProxyAndTheRestServedLocally(c, true);
        }
    }

    @Test
    void proxyMaybeToThisServerIsServedLocally() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "proxy_maybe=y host=127.0.0.1 password={PLAIN}pw", echo);
        try (LogCapture log = new LogCapture(); LineClient c = LineClient.connect(null, proxy())) {
            pipelinedLoginIsAnsweredByTheProxyAndTheRestServedLocally(c, false);
            assertThat(log.text()).contains("msg=\"proxy_maybe: user is local\" host=127.0.0.1");
        }
    }

    @Test
    void aWrongPasswordNeverReachesTheHandler() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob wrong")).startsWith("a NO [AUTHENTICATIONFAILED]");
        }
        assertThat(echo.served).isEmpty();
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.AUTH_FAILED);
    }

    @Test
    void theClientClosingFirstEndsTheHandlersInput() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            assertThat(c.command("b SELECT INBOX")).isEqualTo("* ECHO b SELECT INBOX");
        }
        assertThat(echo.served.poll(10, TimeUnit.SECONDS).lines()).containsExactly("b SELECT INBOX");
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.LOCAL);
    }

    @Test
    void shutdownClosesALocalSessionAtTheDeadline() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            assertThat(c.command("b IDLE")).isEqualTo("* ECHO b IDLE");
            server.close();
            assertThat(c.line()).as("closed by the server").isNull();
        }
        assertThat(echo.served.poll(10, TimeUnit.SECONDS).lines()).containsExactly("b IDLE");
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.SHUTDOWN);
    }

    @Test
    void aLocalSessionIsListedAndAKickEndsIt() throws Exception {
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", echo);
        try (LineClient c = LineClient.connect(null, proxy());
             LineClient other = LineClient.connect(null, proxy())) {
            c.line();
            other.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            assertThat(other.command("a LOGIN carol pw")).startsWith("a OK");
            assertThat(c.command("b NOOP")).isEqualTo("* ECHO b NOOP");
            io.github.mailproxy.SessionInfo bob = server.sessions().stream().filter(i -> "bob".equals(i.user()))
                    .findFirst().orElseThrow();
            assertThat(bob.state()).isEqualTo(io.github.mailproxy.SessionInfo.State.LOCAL);
            assertThat(bob.bytesFromClient()).as("what the handler was given").isEqualTo("b NOOP\r\n".length());
            assertThat(bob.bytesToClient()).as("what the handler wrote").isEqualTo("* ECHO b NOOP\r\n".length());

            assertThat(server.kickUser("bob", "Moved")).isEqualTo(1);

            assertThat(c.line()).as("closed by the kick").isNull();
            assertThat(echo.served.poll(10, TimeUnit.SECONDS).lines()).containsExactly("b NOOP");
            assertThat(other.command("c NOOP")).as("carol is untouched").isEqualTo("* ECHO c NOOP");
        }
        Await.until("both closed", Duration.ofSeconds(10), () -> events.size() == 2);
        assertThat(events).extracting(SessionEvent::user, SessionEvent::outcome).contains(
                org.assertj.core.groups.Tuple.tuple("bob", SessionEvent.Outcome.KICKED));
    }

    @Test
    void theNonBlockingSessionIsUsedOnItsLoopOnlyAndClosesFromThere() throws Exception {
        AtomicReference<LocalSession> local = new AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        server = ProxyServer.builder().listen(ImapProtocol.plain(LOOPBACK)).passDb(StaticPassDb.parse("password={PLAIN}pw"))
                .localHandler(ImapProtocol.NAME, session -> {
                    local.set(session);
                    return new LocalSession.Receiver() {
                        @Override
                        public void onInput(java.nio.ByteBuffer input) {
                            // leaves it unconsumed: held, the client is read no more
                        }

                        @Override
                        public void onClosed() {
                            closed.countDown();
                        }
                    };
                }).sessionListener(events::add).build().start();
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).isEqualTo("a OK Logged in");
            // the reply is queued before the hand-over, so the client may read it first
            Await.until("the hand-over", Duration.ofSeconds(10), () -> local.get() != null);
            LocalSession session = local.get();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.write(java.nio.ByteBuffer.allocate(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("loop().execute");
            session.loop().execute(() -> {
                session.write(java.nio.ByteBuffer.wrap("* BYE from the loop\r\n".getBytes(StandardCharsets.US_ASCII)));
                session.close();
            });
            assertThat(c.line()).isEqualTo("* BYE from the loop");
            assertThat(c.line()).isNull();
        }
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.LOCAL);
    }

    @Test
    void aNonBlockingHandlerThatIgnoresBackPressureIsCutOff() throws Exception {
        server = ProxyServer.builder().listen(ImapProtocol.plain(LOOPBACK)).passDb(StaticPassDb.parse("password={PLAIN}pw"))
                .localHandler(ImapProtocol.NAME, session -> new LocalSession.Receiver() {
                    @Override
                    public void onInput(java.nio.ByteBuffer input) {
                        input.position(input.limit());
                        for (int i = 0; i < 160; i++) {
                            session.write(java.nio.ByteBuffer.allocate(64 * 1024));  // false ignored
                        }
                    }

                    @Override
                    public void onClosed() {
                    }
                }).build().start();
        try (LogCapture log = new LogCapture(); LineClient c = LineClient.connect(null, proxy())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.line();
            assertThat(c.command("a LOGIN bob pw")).isEqualTo("a OK Logged in");
            c.send("go\r\n");
            Await.until("the cut-off is logged", Duration.ofSeconds(10),
                    () -> log.text().contains("msg=\"local handler ignores back-pressure; session closed\""));
            long read = c.input().transferTo(OutputStream.nullOutputStream());
            assertThat(read).as("sent what was queued, then closed").isLessThan(160L * 64 * 1024);
        }
    }

    @Test
    void aSessionTheExecutorRejectsIsClosedAndLogged() throws Exception {
        server = ProxyServer.builder().listen(ImapProtocol.plain(LOOPBACK)).passDb(StaticPassDb.parse("password={PLAIN}pw"))
                .localHandler(ImapProtocol.NAME, LocalStreams.handler(List.of(), task -> {
                    throw new java.util.concurrent.RejectedExecutionException("full");
                }, echo)).build().start();
        try (LogCapture log = new LogCapture(); LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).isEqualTo("a OK Logged in");
            assertThat(c.line()).isNull();
            assertThat(log.text()).contains("msg=\"local session refused: the executor is full\"");
        }
    }

    /** A copying server: 32 MiB each way at once arrive byte for byte. */
    @Test
    void largeTransfersBothWaysAreByteExact() throws Exception {
        start(ImapProtocol.implicitTls(LOOPBACK, TestTls.serverContext()), "password={PLAIN}pw",
                (session, in, out) -> in.transferTo(out));
        byte[] data = random(BIG);
        try (LineClient c = LineClient.connectTls(TestTls.clientContext(), proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> send(c.output(), data));
            assertThat(readFully(c.input(), BIG)).isEqualTo(sha256(data));
            writer.get(30, TimeUnit.SECONDS);
        }
        SessionEvent event = event();
        assertThat(event.bytesFromClient()).isEqualTo(BIG);
        assertThat(event.bytesToClient()).isEqualTo(BIG);
    }

    /** A server that does not read: the proxy stops reading the client, holding 64 KiB and one buffer. */
    @Test
    void aServerThatDoesNotReadStopsTheClientWithBoundedMemory() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<InputStream> input = new AtomicReference<>();
        AtomicReference<byte[]> received = new AtomicReference<>();
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", (session, in, out) -> {
            input.set(in);
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            received.set(sha256(in.readNBytes(BIG)));
            out.write("DONE\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        byte[] data = random(BIG);
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> send(c.output(), data));
            Await.until("the stream's buffer is full", Duration.ofSeconds(10),
                    () -> input.get() != null && available(input.get()) == 64 * 1024);
            assertThat(server.stats().buffersInUse()).as("the held input buffer").isLessThanOrEqualTo(1);
            assertThat(writer).as("32 MiB cannot all be taken").isNotDone();
            release.countDown();
            assertThat(c.line()).isEqualTo("DONE");
            writer.get(30, TimeUnit.SECONDS);
            assertThat(received.get()).isEqualTo(sha256(data));
        }
    }

    /** A client that does not read: the server's writes block, and the proxy holds little. */
    @Test
    void aClientThatDoesNotReadBlocksTheServersWritesWithBoundedMemory() throws Exception {
        AtomicReference<Thread> serving = new AtomicReference<>();
        byte[] data = random(BIG);
        start(ImapProtocol.plain(LOOPBACK), "password={PLAIN}pw", (session, in, out) -> {
            serving.set(Thread.currentThread());
            out.write(data);
        });
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.line();
            assertThat(c.command("a LOGIN bob pw")).startsWith("a OK");
            Await.until("the server's write blocks", Duration.ofSeconds(10),
                    () -> serving.get() != null && serving.get().getState() == Thread.State.WAITING);
            assertThat(server.stats().queuedReplyBytes()).as("queued on the session")
                    .isLessThanOrEqualTo(LocalSession.OUTPUT_HIGH_WATER + 64 * 1024);
            assertThat(readFully(c.input(), BIG)).isEqualTo(sha256(data));
            assertThat(c.input().read()).as("the server returned: closed").isEqualTo(-1);
        }
    }

    private static int available(InputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            return -1;
        }
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(16).nextBytes(data);
        return data;
    }

    private static void send(OutputStream out, byte[] data) {
        try {
            for (int off = 0; off < data.length; off += 100_000) {
                out.write(data, off, Math.min(100_000, data.length - off));
            }
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] readFully(InputStream in, int size) throws IOException {
        return sha256(in.readNBytes(size));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
