package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthRequest;
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
import io.github.mailproxy.testing.TestTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener behind a load balancer ({@link Listener#withHaproxy()}) over real sockets: the client the
 * PROXY header names is the client for the PassDb, the session log and the per-address limits; the
 * balancer's TLS and server name reach the PassDb; untrusted senders, malformed and late headers are
 * closed without a greeting and counted.
 */
class ProxyProtocolListenerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<AuthRequest> requests = new CopyOnWriteArrayList<>();
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private final PassDb recording = request -> {
        requests.add(request);
        return CompletableFuture.completedFuture(PassDbResult.notFound());
    };
    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
    }

    private ProxyServer.Builder builder(TlsMode tls) {
        Listener listener = new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), tls,
                tls == TlsMode.PLAIN ? null : TestTls.serverContext()).withHaproxy();
        return ProxyServer.builder().listen(listener).passDb(recording).authFailureDelay(Duration.ZERO)
                .haproxyTrustedNetworks("127.0.0.1").sessionListener(events::add);
    }

    private InetSocketAddress proxy() {
        return new InetSocketAddress("127.0.0.1", server.port("line"));
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static byte[] v2(String client, int clientPort, boolean ssl, String authority) throws Exception {
        return new ProxyHeader(at(client, clientPort), at("198.51.100.1", 143), ssl, authority).toV2();
    }

    /** The proxy closed without a greeting: end of stream, or a reset when it left our bytes unread. */
    private static void assertClosedWithoutAWord(LineClient c) {
        try {
            assertThat(c.line()).as("no greeting, the connection is closed").isNull();
        } catch (java.io.IOException e) {
            assertThat(e).isInstanceOf(java.net.SocketException.class);
        }
    }

    @Test
    void v1HeaderNamesTheClientForThePassDbAndTheSessionLog() throws Exception {
        server = builder(TlsMode.PLAIN).build().start();
        try (LineClient c = LineClient.connect(null, proxy())) {
            // the command rides in the header's segment: not a byte past the header may be taken
            c.send("PROXY TCP4 192.0.2.7 198.51.100.1 54321 143\r\nLOGIN alice pw\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.line()).isEqualTo("NO Reject");
        }
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.clientAddress()).isEqualTo(at("192.0.2.7", 54321));
            assertThat(r.localAddress()).isEqualTo(at("198.51.100.1", 143));
            assertThat(r.secured()).isFalse();
            assertThat(r.serverName()).isNull();
        });
        Await.until("the session event", DEADLINE, () -> !events.isEmpty());
        assertThat(events.get(0).clientAddress()).isEqualTo(at("192.0.2.7", 54321));
    }

    @Test
    void v2SslTlvSecuresTheSessionAndTheAuthorityReachesThePassDb() throws Exception {
        server = builder(TlsMode.PLAIN).build().start();
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.send(v2("2001:db8::7", 40000, true, "imap.example.org"));
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("SECURE")).as("TLS at the balancer").isEqualTo("YES");
            assertThat(c.command("LOGIN alice pw")).isEqualTo("NO Reject");
        }
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.clientAddress()).isEqualTo(at("2001:db8::7", 40000));
            assertThat(r.secured()).isTrue();
            assertThat(r.serverName()).isEqualTo("imap.example.org");
        });
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.send(v2("192.0.2.7", 5, false, null));
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("SECURE")).as("no SSL TLV, no TLS").isEqualTo("NO");
        }
    }

    @Test
    void v2LocalFromTheBalancerIsAPlainConnection() throws Exception {
        server = builder(TlsMode.PLAIN).build().start();
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.send(ProxyHeaderParserTest.localV2());
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("LOGIN alice pw")).isEqualTo("NO Reject");
        }
        assertThat(requests.get(0).clientAddress().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void implicitTlsStartsAfterTheHeader() throws Exception {
        server = builder(TlsMode.IMPLICIT).build().start();
        try (Socket plain = new Socket()) {
            plain.setSoTimeout(10_000);
            plain.connect(proxy());
            plain.getOutputStream().write(v2("192.0.2.9", 1234, false, null));
            try (SSLSocket tls = (SSLSocket) TestTls.clientContext().getSocketFactory()
                    .createSocket(plain, "localhost", plain.getPort(), true)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = tls.getOutputStream();
                assertThat(in.readLine()).isEqualTo("HELLO");
                out.write("SECURE\r\nLOGIN bob pw\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).isEqualTo("YES");
                assertThat(in.readLine()).isEqualTo("NO Reject");
            }
        }
        assertThat(requests.get(0).clientAddress()).isEqualTo(at("192.0.2.9", 1234));
    }

    @Test
    void perAddressLimitsCountTheClientTheHeaderNamesNotTheBalancer() throws Exception {
        server = builder(TlsMode.PLAIN).maxConnectionsPerIp(1).build().start();
        try (LineClient first = LineClient.connect(null, proxy())) {
            first.send(v2("192.0.2.7", 1, false, null));
            assertThat(first.line()).isEqualTo("HELLO");
            try (LineClient other = LineClient.connect(null, proxy())) {
                other.send(v2("192.0.2.8", 1, false, null));
                assertThat(other.line()).as("another client behind the same balancer").isEqualTo("HELLO");
            }
            try (LineClient again = LineClient.connect(null, proxy())) {
                again.send(v2("192.0.2.7", 2, false, null));
                assertThat(again.line()).as("the first client's second connection").isEqualTo("BUSY");
            }
        }
        Await.until("every session closed", DEADLINE, () -> server.stats().openSessions() == 0);
        try (LineClient later = LineClient.connect(null, proxy())) {
            later.send(v2("192.0.2.7", 3, false, null));
            assertThat(later.line()).as("released under the header's address").isEqualTo("HELLO");
        }
    }

    @Test
    void aConnectionFromAnUntrustedAddressIsClosedWithoutAWord() throws Exception {
        server = builder(TlsMode.PLAIN).build().start();
        try (LogCapture log = new LogCapture(); LineClient forger = LineClient.connect("127.0.0.2", proxy())) {
            try {
                forger.send(v2("192.0.2.7", 1, true, null));
            } catch (java.net.SocketException closedAlready) {
                // the proxy may have closed before the header arrived
            }
            assertClosedWithoutAWord(forger);
            assertThat(log.text()).contains("refused cause=haproxy-untrusted");
        }
        assertThat(requests).isEmpty();
        assertThat(server.stats().totalSessions()).as("no session was opened").isZero();
    }

    @Test
    void malformedTruncatedAndLateHeadersAreClosedWithoutAWord() throws Exception {
        server = builder(TlsMode.PLAIN).haproxyTimeout(Duration.ofMillis(200)).build().start();
        try (LogCapture log = new LogCapture()) {
            try (LineClient c = LineClient.connect(null, proxy())) {
                c.send("A1 LOGIN alice pw\r\n".getBytes(StandardCharsets.US_ASCII));
                assertClosedWithoutAWord(c);
            }
            try (LineClient c = LineClient.connect(null, proxy())) {
                c.send("PROXY TCP4 192.0.2.7".getBytes(StandardCharsets.US_ASCII));
                assertClosedWithoutAWord(c);
            }
            byte[] header = v2("192.0.2.7", 1, false, null);
            header[15] = 100;  // says 100 bytes follow: only 12 do
            try (LineClient c = LineClient.connect(null, proxy())) {
                c.send(header);
                c.close();
            }
            Await.until("three refusals counted", DEADLINE, () -> server.stats().openSessions() == 0
                    && server.stats().totalSessions() == 3);
            assertThat(log.text()).contains("refused cause=haproxy-bad-header");
        }
        assertThat(requests).isEmpty();
    }

    @Test
    void aHaproxyListenerNeedsTrustedBalancers() {
        Listener listener = new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.PLAIN, null)
                .withHaproxy();
        assertThatThrownBy(() -> ProxyServer.builder().listen(listener).passDb(recording).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("haproxyTrustedNetworks: ");
        assertThatThrownBy(() -> ProxyServer.builder().haproxyTrustedNetworks("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haproxyTrustedNetworks: ");
    }
}
