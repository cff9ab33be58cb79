package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A proxy whose PassDb sends users back to the proxy itself: refused at once, with one lookup, logged. */
class ImapProxyLoopTest {

    private final AtomicInteger lookups = new AtomicInteger();
    private final AtomicInteger port = new AtomicInteger();
    private ProxyServer server;
    private GreenMail greenMail;

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                LeakCheck.assertNothingLeaked(server);
                server.close();
            }
        } finally {
            if (greenMail != null) {
                greenMail.stop();
            }
        }
    }

    private void start(String flag) {
        start(flag, ProxyServer.builder());
    }

    private void start(String flag, ProxyServer.Builder builder) {
        PassDb passDb = request -> {
            lookups.incrementAndGet();
            Map<String, String> fields = new HashMap<>(Map.of(flag, "y", "host", "127.0.0.1", "password", "{PLAIN}pw-bob"));
            if (port.get() != 0) {
                fields.put("port", String.valueOf(port.get()));
            }
            return CompletableFuture.completedFuture(PassDbResult.found(fields));
        };
        server = builder.listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb).build().start();
    }

    private String login() throws IOException {
        try (RawImapClient c = new RawImapClient(server.port(ImapProtocol.NAME))) {
            c.readLine();
            c.send("a LOGIN bob pw-bob\r\n");
            return c.tagged("a");
        }
    }

    @Test
    void aStaticPassDbPointingAtTheProxyItselfGetsATemporaryFailureAfterOneLookup() throws IOException {
        start("proxy");
        port.set(server.port(ImapProtocol.NAME));
        try (LogCapture log = new LogCapture()) {
            long start = System.nanoTime();
            assertThat(login()).startsWith("a NO [UNAVAILABLE]");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(lookups).as("no nested sessions").hasValue(1);
            assertThat(log.text()).contains("proxy loop session=")
                    .contains("backend=127.0.0.1:" + server.port(ImapProtocol.NAME) + " cause=own-listener");
        }
    }

    @Test
    void proxyMaybeToThisServerIsLocalAndFailsTemporarilyWithoutALocalHandler() throws IOException {
        start("proxy_maybe");
        try (LogCapture log = new LogCapture()) {
            assertThat(login()).startsWith("a NO [UNAVAILABLE]");
            assertThat(log.text()).contains("proxy_maybe: user is local").contains("no local handler for the protocol");
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void proxyMaybeToAnotherServerIsProxied() throws IOException {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        start("proxy_maybe");
        port.set(TestBackend.imapPort(greenMail));
        assertThat(login()).startsWith("a OK");
    }

    /** Another proxy in front (a trusted client) passes on the hops left: at zero no backend is tried. */
    @Test
    void aTrustedClientsUsedUpProxyTtlIsRefusedAndOneHopLeftIsProxied() throws IOException {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        start("proxy", ProxyServer.builder().loginTrustedNetworks("127.0.0.0/8"));
        port.set(TestBackend.imapPort(greenMail));
        try (LogCapture log = new LogCapture()) {
            assertThat(loginAfterId("0")).startsWith("b NO [UNAVAILABLE]");
            assertThat(log.text()).contains("cause=proxy-ttl-exhausted");
        }
        assertThat(loginAfterId("1")).startsWith("b OK");
    }

    /** An untrusted client's x-proxy-ttl is ignored: it cannot make the proxy refuse or loop further. */
    @Test
    void anUntrustedClientsProxyTtlIsIgnored() throws IOException {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        start("proxy");
        port.set(TestBackend.imapPort(greenMail));
        assertThat(loginAfterId("0")).startsWith("b OK");
    }

    private String loginAfterId(String ttl) throws IOException {
        try (RawImapClient c = new RawImapClient(server.port(ImapProtocol.NAME))) {
            c.readLine();
            c.send("a ID (\"x-proxy-ttl\" \"" + ttl + "\")\r\n");
            assertThat(c.tagged("a")).startsWith("a OK");
            c.send("b LOGIN bob pw-bob\r\n");
            return c.tagged("b");
        }
    }
}
