package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The farewells: login timeout and server shutdown. */
class Pop3TimeoutAndShutdownTest {

    private static ProxyServer.Builder proxy() {
        return ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=9 nopassword=y"))
                .authFailureDelay(Duration.ZERO)
                .eventLoops(1);
    }

    @Test
    void idleClientIsDisconnectedForInactivity() {
        try (ProxyServer server = proxy().loginTimeout(Duration.ofMillis(300)).build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            assertThat(c.readLine()).isEqualTo("+OK mailproxy ready.");
            assertThat(c.command("USER alice")).isEqualTo("+OK");
            assertThat(c.readLine()).isEqualTo("-ERR Disconnected for inactivity.");
            assertThat(c.closedByPeer()).isTrue();
            LeakCheck.assertNothingLeaked(server);
        }
    }

    @Test
    void shutdownSaysSo() {
        ProxyServer server = proxy().build().start();
        try (PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            assertThat(c.readLine()).isEqualTo("+OK mailproxy ready.");
            assertThat(c.command("CAPA")).startsWith("+OK");
            c.readMultiline();
            server.close();
            assertThat(c.readLine()).isEqualTo("-ERR Server shutting down.");
            assertThat(c.closedByPeer()).isTrue();
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
        }
    }
}
