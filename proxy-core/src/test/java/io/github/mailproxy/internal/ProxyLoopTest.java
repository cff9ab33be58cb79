package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.RudeBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A proxy pointed at itself, directly, through proxy_maybe, or around a chain of proxies (TTL). */
class ProxyLoopTest {

    private final AtomicInteger lookups = new AtomicInteger();
    private final AtomicInteger backendPort = new AtomicInteger();
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
    }

    /** A PassDb whose fields name the port only known once the server is started. */
    private PassDb passDb(String... fields) {
        return request -> {
            lookups.incrementAndGet();
            Map<String, String> map = new HashMap<>();
            for (int i = 0; i < fields.length; i += 2) {
                map.put(fields[i], fields[i + 1]);
            }
            if (backendPort.get() != 0) {
                map.put("port", String.valueOf(backendPort.get()));
            }
            return CompletableFuture.completedFuture(PassDbResult.found(map));
        };
    }

    private ProxyServer start(String bind, PassDb passDb, String... trusted) {
        return start(ProxyServer.builder(), bind, passDb, trusted);
    }

    private ProxyServer start(ProxyServer.Builder b, String bind, PassDb passDb, String... trusted) {
        b
                .listen(new Listener(new LineProtocol(), new InetSocketAddress(bind, 0), TlsMode.PLAIN, null))
                .passDb(passDb).sessionListener(events::add).eventLoops(1);
        if (trusted.length > 0) {
            b.loginTrustedNetworks(trusted);
        }
        server = b.build().start();
        return server;
    }

    @Test
    void aBackendThatIsThisProxyIsRefusedAtOnceAsAProxyLoop() throws IOException {
        start("127.0.0.1", passDb("proxy", "y", "host", "127.0.0.1", "nopassword", "y"));
        backendPort.set(server.port("line"));
        try (LogCapture log = new LogCapture();
             LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.line();
            long start = System.nanoTime();
            assertThat(c.command("LOGIN a b")).isEqualTo("UNAVAILABLE");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(c.command("SECURE")).as("the session goes on").isEqualTo("NO");
            c.close();
            Await.until("the session event", Duration.ofSeconds(5), () -> events.size() == 1);
            assertThat(lookups).as("one lookup: no nested session").hasValue(1);
            assertThat(log.text()).contains("proxy loop session=" + events.get(0).sessionId()
                    + " backend=127.0.0.1:" + server.port("line") + " cause=own-listener");
        }
    }

    @Test
    void aWildcardListenerIsReachedThroughAnyLocalAddress() throws IOException {
        start("0.0.0.0", passDb("proxy", "y", "host", "127.0.0.1", "nopassword", "y"));
        backendPort.set(server.port("line"));
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.line();
            assertThat(c.command("LOGIN a b")).isEqualTo("UNAVAILABLE");
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void anotherAddressOnTheSamePortIsNoLoopAndAHostListSkipsThisProxy() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("WELCOME\r\n");
            c.awaitEndOfStream();
        })) {
            // the proxy listens on 127.0.0.2 with the backend's port; the backend is on 127.0.0.1
            server = ProxyServer.builder()
                    .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.2", backend.port()),
                            TlsMode.PLAIN, null))
                    .passDb(passDb("proxy", "y", "host", "127.0.0.2,127.0.0.1", "nopassword", "y"))
                    .eventLoops(1).build().start();
            backendPort.set(backend.port());
            try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.2", backend.port()))) {
                c.line();
                assertThat(c.command("LOGIN a b")).isEqualTo("OK WELCOME");
            }
            backend.finish();
        }
    }

    @Test
    void aTrustedClientWhoseProxyTtlIsUsedUpIsRefused() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("WELCOME\r\n");
            c.awaitEndOfStream();
        })) {
            backendPort.set(backend.port());
            start("127.0.0.1", passDb("proxy", "y", "host", "127.0.0.1", "nopassword", "y"), "127.0.0.1");
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", server.port("line"));
            try (LogCapture log = new LogCapture(); LineClient c = LineClient.connect(null, proxy)) {
                c.line();
                assertThat(c.command("TTL 0")).isEqualTo("OK ttl");
                assertThat(c.command("LOGIN a b")).isEqualTo("UNAVAILABLE");
                assertThat(log.text()).contains("proxy loop session=").contains("cause=proxy-ttl-exhausted");
            }
            try (LineClient c = LineClient.connect(null, proxy)) {
                c.line();
                assertThat(c.command("TTL 1")).isEqualTo("OK ttl");
                assertThat(c.command("LOGIN a b")).as("one hop left").isEqualTo("OK WELCOME");
            }
            backend.finish();
        }
    }

    @Test
    void anUntrustedClientCannotLowerTheProxyTtl() throws IOException {
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("WELCOME\r\n");
            c.awaitEndOfStream();
        })) {
            backendPort.set(backend.port());
            start("127.0.0.1", passDb("proxy", "y", "host", "127.0.0.1", "nopassword", "y"), "192.0.2.0/24");
            try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
                c.line();
                c.command("TTL 0");
                assertThat(c.command("LOGIN a b")).isEqualTo("OK WELCOME");
            }
            backend.finish();
        }
    }

    @Test
    void proxyMaybeToAProxySelfAddressIsLocalOnAnyPort() throws IOException {
        start(ProxyServer.builder().proxySelf("192.0.2.99", "198.51.100.0/24"), "127.0.0.1",
                passDb("proxy_maybe", "y", "host", "198.51.100.7", "port", "1", "password", "{PLAIN}b"));
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.line();
            assertThat(c.command("LOGIN a b")).isEqualTo("NO Local");
        }
    }

    @Test
    void aLocalLoginNobodyVerifiedIsRefused() throws IOException {
        start("127.0.0.1", passDb("proxy_maybe", "y", "host", "127.0.0.1", "nopassword", "y"));
        try (LogCapture log = new LogCapture();
             LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.line();
            assertThat(c.command("LOGIN a b")).isEqualTo("NO Reject");
            assertThat(log.text()).contains("local user, but the proxy did not verify the credentials");
        }
    }

    @Test
    void proxyMaybeToThisServerIsALocalLoginAndToAnotherIsProxied() throws IOException {
        start("127.0.0.1", passDb("proxy_maybe", "y", "host", "127.0.0.1", "password", "{PLAIN}b"));
        try (LogCapture log = new LogCapture();
             LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.line();
            assertThat(c.command("LOGIN a b")).as("no port: this server").isEqualTo("NO Local");
            backendPort.set(server.port("line"));
            assertThat(c.command("LOGIN a b")).as("this server's port").isEqualTo("NO Local");
            assertThat(log.text()).contains("msg=\"proxy_maybe: user is local\" host=127.0.0.1");
        }
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("WELCOME\r\n");
            c.awaitEndOfStream();
        })) {
            backendPort.set(backend.port());
            try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
                c.line();
                assertThat(c.command("LOGIN a b")).as("another port: proxied").isEqualTo("OK WELCOME");
            }
            backend.finish();
        }
    }
}
