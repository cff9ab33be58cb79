package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.UnreadFlood;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a client that pipelines {@code a CAPABILITY} by the megabyte and never reads grew the
 * heap 50 times what it sent. Its replies now stay within {@code maxPendingOutput} while others log in.
 */
class ImapUnreadFloodTest {

    private static final int BOUND = 16 * 1024;
    /** Input stops once the bound is passed: at most one more reply (a CAPABILITY line) on top. */
    private static final int SLACK = 2048;

    private GreenMail greenMail;
    private ProxyServer server;

    @BeforeEach
    void start() {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .eventLoops(1) // the flooder and the other client share the loop: the harder case
                .build()
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
        greenMail.stop();
    }

    @Test
    void capabilityFloodThatIsNeverReadHoldsAtMostTheBoundWhileOthersLogIn() throws IOException {
        int port = server.port(ImapProtocol.NAME);
        FileDescriptors.Snapshot before = FileDescriptors.snapshot();
        long max;
        try (UnreadFlood flood = UnreadFlood.start(port, "a CAPABILITY")) {
            // in the clear the queued replies are all that is unsent: past the bound the input is held
            max = flood.watchUntilHeld(server, BOUND, Duration.ofSeconds(30));
            long held = server.stats().queuedReplyBytes();
            assertThat(held).as("replies held for the flooder").isGreaterThan(BOUND);
            assertThat(flood.writing()).as("the flood is still blocked").isTrue();
            assertThat(flood.sent()).as("the proxy stopped reading the flood").isLessThan(UnreadFlood.MAX_BYTES);

            try (RawImapClient other = new RawImapClient(port)) {
                assertThat(other.readLine()).startsWith("* OK ");
                other.send("b LOGIN bob pw-bob\r\n");
                assertThat(other.tagged("b")).startsWith("b OK ");
                other.send("c LOGOUT\r\n");
                assertThat(other.tagged("c")).startsWith("c OK");
            }
            // the other session's bytes are gone once it is; the flooder's held replies can only grow
            Await.until("nothing more of the flood handled meanwhile", Duration.ofSeconds(10),
                    () -> server.stats().queuedReplyBytes() == held);
        }
        assertThat(max).as("largest queued reply bytes").isLessThanOrEqualTo(BOUND + SLACK);
        LeakCheck.assertNothingLeaked(server);
        Await.until("queued replies given back", Duration.ofSeconds(10), () -> server.stats().queuedReplyBytes() == 0);
        FileDescriptors.assertBackTo(before);
    }
}
