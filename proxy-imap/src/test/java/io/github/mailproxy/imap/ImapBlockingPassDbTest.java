package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.LeakCheck;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PassDb written as a lambda that blocks (as a JDBC call would) holds up its own login only:
 * IMAP clients on the same, only, event loop keep getting answers and logging in to the backend.
 */
class ImapBlockingPassDbTest {

    private GreenMail greenMail;
    private ProxyServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private volatile boolean slowFinished;

    @BeforeEach
    void start() {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("slow@example.org", "slow", "pw-slow");
        greenMail.setUser("fast@example.org", "fast", "pw-fast");
        Map<String, String> toGreenMail = Map.of("proxy", "y", "host", "127.0.0.1",
                "port", String.valueOf(TestBackend.imapPort(greenMail)), "nopassword", "y");
        PassDb sleepy = request -> {
            if (request.user().equals("slow")) {
                slowStarted.countDown();
                try {
                    release.await(3, TimeUnit.SECONDS);  // the test releases it sooner
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                slowFinished = true;
            }
            return CompletableFuture.completedFuture(PassDbResult.found(toGreenMail));
        };
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(sleepy).eventLoops(1)
                .build().start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            greenMail.stop();
        }
    }

    @Test
    void otherClientsOfTheLoopAreServedWhileALookupBlocks() throws Exception {
        int port = server.port(ImapProtocol.NAME);
        try (RawImapClient slow = new RawImapClient(port)) {
            assertThat(slow.readLine()).startsWith("* OK");
            slow.send("a LOGIN slow pw-slow\r\n");
            assertThat(slowStarted.await(5, TimeUnit.SECONDS)).as("the slow lookup started").isTrue();

            try (RawImapClient other = new RawImapClient(port)) {
                assertThat(other.readLine()).startsWith("* OK");
                other.send("b CAPABILITY\r\n");
                assertThat(other.tagged("b")).startsWith("b OK");
                other.send("c NOOP\r\n");
                assertThat(other.tagged("c")).startsWith("c OK");
                other.send("d LOGIN fast pw-fast\r\n");
                assertThat(other.tagged("d")).startsWith("d OK");
                other.send("e SELECT INBOX\r\n");
                assertThat(other.tagged("e")).startsWith("e OK");
            }
            assertThat(slowFinished).as("served while the slow lookup still blocked").isFalse();

            release.countDown();
            assertThat(slow.tagged("a")).startsWith("a OK");
            slow.send("f LOGOUT\r\n");
            assertThat(slow.tagged("f")).startsWith("f OK");
        }
    }
}
