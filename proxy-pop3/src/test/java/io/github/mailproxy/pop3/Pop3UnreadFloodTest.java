package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Issue 11: a client that pipelines {@code CAPA} by the megabyte and never reads. Its replies stay
 * within {@code maxPendingOutput} while another client logs in.
 */
class Pop3UnreadFloodTest {

    private static final int BOUND = 16 * 1024;
    /** Input stops once the bound is passed: at most one more CAPA reply on top. */
    private static final int SLACK = 2048;

    private GreenMailBackend backend;
    private ProxyServer server;

    @BeforeEach
    void start() {
        backend = new GreenMailBackend();
        backend.user("bob", "pw-bob");
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y"))
                .eventLoops(1)
                .build()
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
        backend.close();
    }

    @Test
    void capaFloodThatIsNeverReadHoldsAtMostTheBoundWhileOthersLogIn() throws IOException {
        int port = server.port(Pop3Protocol.NAME);
        FileDescriptors.Snapshot before = FileDescriptors.snapshot();
        long max;
        try (UnreadFlood flood = UnreadFlood.start(port, "CAPA")) {
            // in the clear the queued replies are all that is unsent: past the bound the input is held
            max = flood.watchUntilHeld(server, BOUND, Duration.ofSeconds(30));
            long held = server.stats().queuedReplyBytes();
            assertThat(held).as("replies held for the flooder").isGreaterThan(BOUND);
            assertThat(flood.writing()).as("the flood is still blocked").isTrue();
            assertThat(flood.sent()).as("the proxy stopped reading the flood").isLessThan(UnreadFlood.MAX_BYTES);

            try (PopClient other = PopClient.connect(port)) {
                assertThat(other.readLine()).startsWith("+OK");
                assertThat(other.command("USER bob")).startsWith("+OK");
                assertThat(other.command("PASS pw-bob")).startsWith("+OK");
                assertThat(other.command("QUIT")).startsWith("+OK");
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
