package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.RudeBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the proxy sends a backend first: the PROXY protocol v2 header when the server or the PassDb asks
 * for it, nothing otherwise; and where the backend connection comes from ({@code source_ip}). Over real
 * sockets, against a scripted backend that reads the header byte by byte.
 */
class ProxyProtocolBackendTest {

    private ProxyServer server;
    private RudeBackend backend;

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** A backend that greets, then reads a v2 header if one comes, else keeps the first 16 bytes. */
    private RudeBackend backend(AtomicReference<ProxyHeader> header, AtomicReference<String> firstLine,
                                AtomicReference<InetSocketAddress> from) throws IOException {
        return RudeBackend.serve(c -> {
            from.set(c.remoteAddress());
            c.send("WELCOME\r\n");  // a header, if any, is in the stream before anything the client relays
            byte[] fixed = c.readExactly(16);
            if (fixed[0] == ProxyHeader.V2_SIGNATURE[0]) {
                int length = (fixed[14] & 0xff) << 8 | (fixed[15] & 0xff);
                ProxyHeaderParser parser = new ProxyHeaderParser();
                try {
                    parser.offer(ByteBuffer.wrap(fixed));
                    header.set(parser.offer(ByteBuffer.wrap(c.readExactly(length))));
                } catch (ProxyHeaderParser.Malformed e) {
                    throw new IOException("malformed PROXY header: " + e.reason());
                }
            } else {
                firstLine.set(new String(fixed, java.nio.charset.StandardCharsets.US_ASCII));
            }
        });
    }

    private ProxyServer.Builder builder(String passDbArgs) {
        return ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.PLAIN, null)
                        .withHaproxy())
                .haproxyTrustedNetworks("127.0.0.0/8")
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y " + passDbArgs));
    }

    @Test
    void theServerSettingSendsTheClientTheBalancerNamedWithItsTlsAndServerName() throws Exception {
        AtomicReference<ProxyHeader> header = new AtomicReference<>();
        AtomicReference<String> line = new AtomicReference<>();
        AtomicReference<InetSocketAddress> from = new AtomicReference<>();
        backend = backend(header, line, from);
        server = builder("").backendHaproxy(true).build().start();
        ProxyHeader inbound = new ProxyHeader(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 54321),
                new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 143), true, "imap.example.org");
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.send(inbound.toV2());
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("LOGIN alice pw")).isEqualTo("OK WELCOME");
        }
        backend.finish();
        assertThat(line.get()).as("nothing but the header before the protocol").isNull();
        assertThat(header.get()).isEqualTo(inbound);
    }

    @Test
    void thePassDbFieldOverridesTheServerAndSourceIpBindsTheConnection() throws Exception {
        AtomicReference<ProxyHeader> header = new AtomicReference<>();
        AtomicReference<String> line = new AtomicReference<>();
        AtomicReference<InetSocketAddress> from = new AtomicReference<>();
        backend = backend(header, line, from);
        server = builder("haproxy=no source_ip=127.0.0.2").backendHaproxy(true).build().start();
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("line")))) {
            c.send(ProxyHeaderParserTest.localV2());
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("LOGIN alice pw")).isEqualTo("OK WELCOME");
            c.send("0123456789abcdef");  // relayed: what the backend reads first
            backend.finish();
        }
        assertThat(header.get()).as("haproxy=no").isNull();
        assertThat(line.get()).isEqualTo("0123456789abcdef");
        assertThat(from.get().getAddress()).as("source_ip").isEqualTo(InetAddress.getByName("127.0.0.2"));
    }

    @Test
    void thePassDbFieldAloneSendsTheHeaderOfADirectClient() throws Exception {
        AtomicReference<ProxyHeader> header = new AtomicReference<>();
        AtomicReference<String> line = new AtomicReference<>();
        AtomicReference<InetSocketAddress> from = new AtomicReference<>();
        backend = backend(header, line, from);
        server = ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.PLAIN, null))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y haproxy=y"))
                .build().start();
        int clientPort;
        try (LineClient c = LineClient.connect("127.0.0.3", new InetSocketAddress("127.0.0.1", server.port("line")))) {
            assertThat(c.line()).isEqualTo("HELLO");
            assertThat(c.command("LOGIN alice pw")).isEqualTo("OK WELCOME");
            clientPort = c.localPort();
        }
        backend.finish();
        assertThat(header.get().source()).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), clientPort));
        assertThat(header.get().destination().getPort()).isEqualTo(server.port("line"));
        assertThat(header.get().ssl()).isFalse();
        assertThat(header.get().authority()).isNull();
    }
}
