package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LineProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-address limits: opt-in login rate, connections per address, and clients in the login trusted networks. */
class LoginLimitsTest {

    private final AtomicInteger lookups = new AtomicInteger();
    private final PassDb refusing = request -> {
        lookups.incrementAndGet();
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

    private InetSocketAddress proxy() {
        return new InetSocketAddress("127.0.0.1", server.port("line"));
    }

    private static ProxyServer.Builder builder(PassDb passDb) {
        return ProxyServer.builder().listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0),
                TlsMode.PLAIN, null)).passDb(passDb).authFailureDelay(Duration.ZERO);
    }

    @Test
    void loginsFromOneAddressAreNotCappedByDefault() throws IOException {
        server = builder(refusing).build().start();
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            for (int i = 0; i < 1200; i++) {
                assertThat(c.command("LOGIN u" + i + " p")).isEqualTo("NO Reject");
            }
        }
        assertThat(lookups).as("every login reached the PassDb: no rate limit by default").hasValue(1200);
    }

    @Test
    void trustedClientsSkipTheConnectionAndLoginLimitsPerAddress() throws IOException {
        server = builder(refusing).maxConnectionsPerIp(1).maxLoginsPerIpPerMinute(1)
                .loginTrustedNetworks("127.0.0.1").build().start();
        try (LineClient first = LineClient.connect("127.0.0.1", proxy());
             LineClient second = LineClient.connect("127.0.0.1", proxy())) {
            assertThat(first.line()).isEqualTo("HELLO");
            assertThat(second.line()).as("a trusted address has no connection limit").isEqualTo("HELLO");
            for (int i = 0; i < 3; i++) {
                assertThat(first.command("LOGIN u p")).isEqualTo("NO Reject");
            }
            assertThat(lookups).as("nor a login rate").hasValue(3);
            // one after the other: two loops accept concurrently, so connections opened together may be
            // admitted in either order
            try (LineClient other = LineClient.connect("127.0.0.2", proxy())) {
                assertThat(other.line()).isEqualTo("HELLO");
                try (LineClient otherAgain = LineClient.connect("127.0.0.2", proxy())) {
                    assertThat(otherAgain.line()).as("an untrusted address keeps its limit").isEqualTo("BUSY");
                }
                other.command("LOGIN u p");
                assertThat(other.command("LOGIN u p")).as("and its login rate").isEqualTo("NO Reject");
            }
            assertThat(lookups).as("the second login from 127.0.0.2 was deferred without a lookup").hasValue(4);
        }
    }
}
