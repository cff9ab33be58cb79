package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.github.mailproxy.testing.TestTls;
import io.github.mailproxy.testing.TlsEngineClient;
import io.github.mailproxy.testing.TlsProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's TLS, towards clients and towards backends, with each TLS provider on the proxy's
 * side (the JDK's and Conscrypt); the test's clients and backends use the JDK's.
 */
@ParameterizedClass
@EnumSource(TlsProvider.class)
class EngineTlsTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final Listener PLAIN_LINE = new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.PLAIN, null);

    private final TlsProvider tls;
    private EchoBackend backend;
    private ProxyServer server;
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();

    EngineTlsTest(TlsProvider tls) {
        this.tls = tls;
    }

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

    private Listener listener(TlsMode mode) {
        return new Listener(new LineProtocol(), ANY_LOOPBACK, mode, tls.serverContext());
    }

    private ProxyServer.Builder builder(Listener listener) {
        return ProxyServer.builder().listen(listener).tlsProvider(tls.provider()).eventLoops(2)
                .authFailureDelay(Duration.ZERO).sessionListener(events::add).loginTimeout(Duration.ofSeconds(10));
    }

    private PassDb toBackend() {
        return StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y");
    }

    @Test
    void startTlsDiscardsWhatWasPipelinedBeforeTheHandshake() throws IOException {
        server = builder(listener(TlsMode.STARTTLS)).passDb(toBackend()).build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("TLS\r\nLOGIN injected x\r\n");
            assertThat(c.line()).isEqualTo("OK go");
            SSLSocket secured = (SSLSocket) TestTls.clientContext().getSocketFactory()
                    .createSocket(s, "localhost", s.getPort(), true);
            secured.startHandshake();
            LineClient t = LineClient.over(secured);
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
    void implicitTlsGreetsRightAfterTheHandshakeAndRelays() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (SSLSocket s = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            // the greeting is written when the handshake ends, not when the client writes next
            s.setSoTimeout(2_000);
            LineClient c = LineClient.over(s);
            assertThat(c.line()).isEqualTo("HELLO");
            s.setSoTimeout(10_000);
            c.send("SECURE\r\nLOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("YES");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(2 * 1024 * 1024 + 3);
            assertThat(c.exchange(payload)).isEqualTo(payload);
        }
    }

    @Test
    void manySmallRecordsInARowAreAllRelayed() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (Socket s = connect(); TlsEngineClient c = new TlsEngineClient(s, TestTls.clientContext())) {
            assertThat(c.line()).isEqualTo("HELLO");
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            // one TLS record per line, sent before reading any answer: records pile up in one read
            for (int i = 0; i < 500; i++) {
                c.send("line " + i + "\r\n");
            }
            for (int i = 0; i < 500; i++) {
                assertThat(c.line()).isEqualTo("line " + i);
            }
        }
    }

    @Test
    void theClientGetsCloseNotifyWhenTheBackendGoes() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (Socket s = connect(); TlsEngineClient c = new TlsEngineClient(s, TestTls.clientContext())) {
            assertThat(c.line()).isEqualTo("HELLO");
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            Await.until("the backend connection", Duration.ofSeconds(5), () -> backend.sockets.size() == 1);
            backend.sockets.get(0).close();
            assertThat(c.endsWithCloseNotify()).as("the proxy ended TLS with close_notify").isTrue();
        }
    }

    @Test
    void aClientsCloseNotifyEndsTheSessionAndIsAnswered() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (Socket s = connect(); TlsEngineClient c = new TlsEngineClient(s, TestTls.clientContext())) {
            assertThat(c.line()).isEqualTo("HELLO");
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            c.closeOutbound();
            assertThat(c.endsWithCloseNotify()).as("the proxy answered close_notify").isTrue();
        }
        Await.until("the backend connection closed", Duration.ofSeconds(5),
                () -> server.stats().openSessions() == 0 && server.stats().openBackendConnections() == 0);
    }

    @Test
    void relaysToABackendOverImplicitTls() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT, TestTls.serverContext())) {
            server = builder(PLAIN_LINE)
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 ssl=yes port=" + tlsBackend.port()))
                    .backendSslContext(tls.clientContext()).build().start();
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("OK WELCOME");
                byte[] payload = randomBytes(1024 * 1024 + 5);
                assertThat(c.exchange(payload)).isEqualTo(payload);
            }
        }
    }

    @Test
    void hostipIsConnectedToWhileHostIsTheNameTheCertificateMustCarry() throws IOException {
        // the test certificate is for localhost and 127.0.0.1; every row connects to 127.0.0.1
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT, TestTls.serverContext())) {
            server = builder(PLAIN_LINE)
                    .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "hostip", "127.0.0.1", "host", request.user(), "port", String.valueOf(tlsBackend.port()),
                            "ssl", "yes"))))
                    .backendSslContext(tls.clientContext()).build().start();
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN localhost b\r\n");
                assertThat(c.line()).as("the name is on the certificate").isEqualTo("OK WELCOME");
            }
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                // the address connected to is on the certificate too, but the name is what counts
                c.send("LOGIN imap.example.org b\r\n");
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
            }
        }
        server.close();
        // a name that does not resolve is never looked up when hostip is given
        server = builder(PLAIN_LINE)
                .passDb(StaticPassDb.parse("proxy=y host=no-such-host.invalid hostip=127.0.0.1 port=" + backend.port()))
                .build().start();
        try (Socket s = connect()) {
            LineClient c = LineClient.over(s);
            c.line();
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
        }
    }

    @Test
    void refusesABackendCertificateItDoesNotTrustUnlessAnyCert() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.IMPLICIT, TestTls.serverContext())) {
            server = builder(PLAIN_LINE)
                    .passDb(request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "host", "127.0.0.1", "port", String.valueOf(tlsBackend.port()),
                            "ssl", request.user().equals("any") ? "any-cert" : "yes")))).build().start();
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN strict b\r\n");
                assertThat(c.line()).isEqualTo("UNAVAILABLE");
                c.send("LOGIN any b\r\n");
                assertThat(c.line()).isEqualTo("OK WELCOME");
                byte[] payload = randomBytes(64 * 1024);
                assertThat(c.exchange(payload)).isEqualTo(payload);
            }
        }
    }

    @Test
    void upgradesTheBackendConnectionWithStartTls() throws IOException {
        try (EchoBackend tlsBackend = new EchoBackend(EchoBackend.Tls.STARTTLS, TestTls.serverContext())) {
            server = builder(PLAIN_LINE)
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 starttls=yes port=" + tlsBackend.port()))
                    .backendSslContext(tls.clientContext()).build().start();
            try (Socket s = connect()) {
                LineClient c = LineClient.over(s);
                c.line();
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("OK SECURE-WELCOME");
                byte[] payload = randomBytes(512 * 1024);
                assertThat(c.exchange(payload)).isEqualTo(payload);
            }
        }
    }

    @Test
    void thePassDbSeesTheServerNameTheClientAskedForInItsHandshake() throws IOException {
        List<String> asked = new CopyOnWriteArrayList<>();
        server = builder(listener(TlsMode.IMPLICIT)).passDb(request -> {
            asked.add(String.valueOf(request.serverName()));
            return toBackend().lookup(request);
        }).build().start();
        for (String name : new String[] {"imap.example.org", null}) {
            try (SSLSocket s = (SSLSocket) TestTls.clientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.port("line"))) {
                if (name != null) {
                    javax.net.ssl.SSLParameters p = s.getSSLParameters();
                    p.setServerNames(List.of(new javax.net.ssl.SNIHostName(name)));
                    s.setSSLParameters(p);
                }
                LineClient c = LineClient.over(s);
                assertThat(c.line()).isEqualTo("HELLO");
                c.send("LOGIN a b\r\n");
                assertThat(c.line()).isEqualTo("OK WELCOME");
            }
        }
        assertThat(asked).containsExactly("imap.example.org", "null");
    }

    @Test
    void onlyTheConfiguredTlsVersionsAreAccepted() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).tlsProtocols("TLSv1.3").build().start();
        try (SSLSocket tls12 = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            tls12.setSoTimeout(10_000);
            tls12.setEnabledProtocols(new String[] {"TLSv1.2"});
            assertThatThrownBy(tls12::startHandshake).isInstanceOf(IOException.class);
        }
        try (SSLSocket tls13 = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            tls13.setSoTimeout(10_000);
            assertThat(LineClient.over(tls13).line()).isEqualTo("HELLO");
            assertThat(tls13.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void tls12WorksToo() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (SSLSocket s = (SSLSocket) TestTls.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("line"))) {
            s.setSoTimeout(10_000);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            LineClient c = LineClient.over(s);
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            c.send("LOGIN a b\r\n");
            assertThat(c.line()).isEqualTo("OK WELCOME");
            byte[] payload = randomBytes(256 * 1024 + 1);
            assertThat(c.exchange(payload)).isEqualTo(payload);
        }
    }

    @Test
    void aClientVanishingMidHandshakeLeavesNothingBehind() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}); // half a ClientHello
            s.setSoLinger(true, 0);
        }
        Await.until("the half-open TLS session closed", Duration.ofSeconds(5), () -> server.stats().openSessions() == 0);
        assertThat(server.stats().buffersInUse()).isZero();
    }

    @Test
    void garbageInsteadOfAClientHelloClosesTheSession() throws IOException {
        server = builder(listener(TlsMode.IMPLICIT)).passDb(toBackend()).build().start();
        try (Socket s = connect()) {
            s.getOutputStream().write("a LOGIN bob secret\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // whatever alert the provider sends, the connection ends
            assertThat(s.getInputStream().readAllBytes().length).isLessThan(100);
        }
        Await.until("the session closed", Duration.ofSeconds(5), () -> server.stats().openSessions() == 0);
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
