package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LocalEcho;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalHandlerExampleTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void aUserOfThisNodeIsServedByTheApplicationsServer() throws Exception {
        LocalEcho server = new LocalEcho();
        ProxyServer proxy = LocalHandlerExample.start(
                StaticPassDb.parse("proxy_maybe=y host=192.0.2.10 password={PLAIN}pw"), "192.0.2.10", threads, server);
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", proxy.port(ImapProtocol.NAME)))) {
            c.line();
            assertThat(c.command("a LOGIN erin pw")).isEqualTo("a OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
            assertThat(c.command("b SELECT INBOX")).isEqualTo("* ECHO b SELECT INBOX");
            assertThat(c.command("LOGOUT")).isEqualTo("* BYE");
        } finally {
            LeakCheck.assertNothingLeaked(proxy);
            proxy.close();
        }
    }

    /** The non-blocking echo returns 8 MiB byte for byte while the client writes it all before reading. */
    @Test
    void theNonBlockingEchoKeepsUpWithBackPressure() throws Exception {
        ProxyServer proxy = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("password={PLAIN}pw"))
                .localHandler(ImapProtocol.NAME, LocalHandlerExample.echo())
                .build().start();
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(7).nextBytes(data);
        try (LineClient c = LineClient.connect(null, new InetSocketAddress("127.0.0.1", proxy.port(ImapProtocol.NAME)))) {
            c.line();
            assertThat(c.command("a LOGIN erin pw")).startsWith("a OK Logged in");
            Thread writer = new Thread(() -> {
                try {
                    c.output().write(data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            InputStream in = c.input();
            assertThat(in.readNBytes(data.length)).isEqualTo(data);
            writer.join(30_000);
            assertThat(writer.isAlive()).isFalse();
        } finally {
            LeakCheck.assertNothingLeaked(proxy);
            proxy.close();
        }
    }
}
