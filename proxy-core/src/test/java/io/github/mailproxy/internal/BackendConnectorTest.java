package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The backend connector on a real loop against real sockets. */
class BackendConnectorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final List<String> resolved = new CopyOnWriteArrayList<>();
    private final ExecutorService resolver = Executors.newSingleThreadExecutor();
    private final Recorder handler = new Recorder();
    private Predicate<InetSocketAddress> ownListener = a -> false;
    private EventLoop loop;
    private ServerSocket server;
    private BackendConnector connector;

    @BeforeEach
    void startLoop() throws IOException {
        loop = new EventLoop("test-loop", new BufferPool(16 * 1024, 4, new AtomicInteger(), new AtomicInteger()), t -> { });
        loop.start();
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    }

    @AfterEach
    void stop() throws Exception {
        if (connector != null) {
            onLoop(() -> connector.close());
        }
        loop.shutdown(1000);
        resolver.shutdownNow();
        server.close();
    }

    private void connect(BackendTarget target, int proxyTtl) throws Exception {
        BackendConnector.Network network = new BackendConnector.Network(a -> ownListener.test(a), task -> {
            resolved.add(Thread.currentThread().getName());
            resolver.execute(task);
        }, anyCert -> null, e -> { }, Duration.ofSeconds(5), new AtomicLong(), opened::incrementAndGet, closed::incrementAndGet);
        onLoop(() -> {
            connector = new BackendConnector(loop, network, new Owner(), 1);
            connector.connect(target, handler, proxyTtl);
        });
    }

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(5, TimeUnit.SECONDS);
    }

    private BackendTarget target(Duration timeout, String... hosts) {
        return new BackendTarget(List.of(hosts), server.getLocalPort(), TlsMode.PLAIN, timeout, false);
    }

    @Test
    void aRefusingHostIsSkippedForTheNextOne() throws Exception {
        // the server listens on 127.0.0.1 only: 127.0.0.2 refuses the same port
        connect(target(null, "127.0.0.2", "127.0.0.1"), 5);

        try (Socket accepted = server.accept()) {
            Await.until("connected", WAIT, () -> handler.connection != null);
            assertThat(handler.connection.remoteAddress()).isEqualTo(accepted.getRemoteSocketAddress() == null ? null
                    : new InetSocketAddress("127.0.0.1", server.getLocalPort()));
            onLoop(() -> handler.connection.write("HELLO\r\n"));
            InputStream in = accepted.getInputStream();
            assertThat(new String(in.readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("HELLO\r\n");
        }
        assertThat(handler.failures).isEmpty();
    }

    @Test
    void whenEveryHostRefusesTheLoginClientHearsItOnce() throws Exception {
        int port = server.getLocalPort();
        server.close();
        connect(new BackendTarget(List.of("127.0.0.1", "127.0.0.1"), port, TlsMode.PLAIN, null, false), 5);

        Await.until("connect failure", WAIT, () -> !handler.failures.isEmpty());
        assertThat(handler.failures).hasSize(1);
        Await.until("sockets closed", WAIT, () -> closed.get() == opened.get());
        assertThat(opened).hasValue(2);
    }

    @Test
    void aBackendThatNeverCompletesTheLoginIsDroppedAfterTheTimeout() throws Exception {
        connect(target(Duration.ofMillis(200), "127.0.0.1"), 5);

        try (Socket accepted = server.accept()) {
            Await.until("connected", WAIT, () -> handler.connection != null);
            Await.until("backend dropped", WAIT, () -> handler.closedCalls.get() == 1);
            assertThat(accepted.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(closed).hasValue(1);
    }

    @Test
    void anAddressOfThisProxysOwnListenersIsNeverConnected() throws Exception {
        ownListener = a -> true;
        connect(target(null, "127.0.0.1"), 5);

        Await.until("connect failure", WAIT, () -> !handler.failures.isEmpty());
        assertThat(handler.failures.get(0)).hasMessageContaining("proxy loop");
        assertThat(opened).hasValue(0);
    }

    @Test
    void anExhaustedProxyTtlConnectsNowhere() throws Exception {
        connect(target(null, "127.0.0.1"), 0);

        Await.until("connect failure", WAIT, () -> !handler.failures.isEmpty());
        assertThat(handler.failures.get(0)).hasMessageContaining("proxy TTL exhausted");
        assertThat(opened).hasValue(0);
    }

    @Test
    void aHostNameIsResolvedOffTheLoop() throws Exception {
        connect(target(null, "localhost"), 5);

        try (Socket accepted = server.accept()) {
            Await.until("connected", WAIT, () -> handler.connection != null);
        }
        assertThat(resolved).containsExactly("test-loop");  // handed to the resolver by the loop, run there
    }

    @Test
    void closingGivesTheSocketBack() throws Exception {
        connect(target(null, "127.0.0.1"), 5);
        try (Socket accepted = server.accept()) {
            Await.until("connected", WAIT, () -> handler.connection != null);
            onLoop(() -> handler.connection.close());
            assertThat(accepted.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(opened).hasValue(1);
        assertThat(closed).hasValue(1);
        assertThat(handler.closedCalls).hasValue(0);  // the login client closed it itself
    }

    /** A session that is logging in and never dispatching. */
    private final class Owner implements BackendConnector.Owner {
        @Override
        public String sessionId() {
            return "s1";
        }

        @Override
        public ProxyHeader clientHeader() {
            throw new AssertionError("no PROXY header is asked for here");
        }

        @Override
        public boolean loggingIn() {
            return true;
        }

        @Override
        public boolean dispatching() {
            return false;
        }

        @Override
        public void onReady(Endpoint ep, SelectionKey key) {
            try {
                if (ep.transport.read(ep.inputBuffer()) < 0) {
                    connector.lost();
                }
                ep.releaseInputIfEmpty();
            } catch (IOException e) {
                connector.lost();
            }
        }

        @Override
        public void readBuffered(Endpoint ep) {
        }

        @Override
        public void afterEvent() {
        }

        @Override
        public void failed(RuntimeException e) {
            throw e;
        }
    }

    private static final class Recorder implements BackendHandler {
        volatile BackendConnection connection;
        final List<IOException> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger closedCalls = new AtomicInteger();

        @Override
        public void onConnected(BackendConnection c) {
            connection = c;
        }

        @Override
        public void onInput(ByteBuffer in) {
        }

        @Override
        public void onConnectFailed(IOException cause) {
            failures.add(cause);
        }

        @Override
        public void onClosed() {
            closedCalls.incrementAndGet();
        }
    }
}
