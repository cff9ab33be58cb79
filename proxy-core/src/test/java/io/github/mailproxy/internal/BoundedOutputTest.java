package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.TestTls;
import io.github.mailproxy.testing.UnreadFlood;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that pipelines commands and never reads makes the server hold its replies: they stay
 * within {@code maxPendingOutput}, in the clear and through TLS, while other clients are served.
 */
class BoundedOutputTest {

    private static final int BOUND = 16 * 1024;
    /** One reply may be queued past the bound before input stops; TLS adds at most one record. */
    private static final int SLACK = 17 * 1024 + 512;

    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(TlsMode tls) {
        Listener listener = new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), tls,
                tls == TlsMode.PLAIN ? null : TestTls.serverContext());
        server = ProxyServer.builder().listen(listener).eventLoops(1)
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=9 nopassword=y"))
                .build().start();
        return server.port("line");
    }

    @Test
    void repliesToAClientThatNeverReadsStayWithinTheBound() throws IOException {
        int port = start(TlsMode.PLAIN);
        FileDescriptors.Snapshot before = FileDescriptors.snapshot();
        long max;
        try (UnreadFlood flood = UnreadFlood.start(port, "NOPE")) {
            // in the clear the queued replies are all that is unsent: past the bound the input is held
            max = flood.watchUntilHeld(server, BOUND, Duration.ofSeconds(30));
            long held = server.stats().queuedReplyBytes();
            assertThat(held).as("held replies").isGreaterThan(BOUND);
            assertThat(flood.writing()).as("the flood is still blocked").isTrue();
            assertThat(flood.sent()).as("the server stopped reading").isLessThan(UnreadFlood.MAX_BYTES);
            assertServesAnotherClient(port, false);
            // the other client's replies leave the count just after its socket takes them; the
            // flooder's held replies could only grow
            Await.until("nothing more of the flood handled meanwhile", Duration.ofSeconds(10),
                    () -> server.stats().queuedReplyBytes() == held);
        }
        assertThat(max).isLessThanOrEqualTo(BOUND + SLACK);
        assertAllReleased(before);
    }

    @Test
    void repliesThroughTlsStayWithinTheBound() throws IOException {
        int port = start(TlsMode.IMPLICIT);
        FileDescriptors.Snapshot before = FileDescriptors.snapshot();
        long max;
        try (UnreadFlood flood = UnreadFlood.startTls(port, "NOPE", TestTls.clientContext())) {
            max = flood.watchUntilStalled(server, Duration.ofSeconds(30));
            assertThat(flood.sent()).as("the server stopped reading").isLessThan(UnreadFlood.MAX_BYTES);
            assertServesAnotherClient(port, true);
        }
        assertThat(max).isLessThanOrEqualTo(BOUND + SLACK);
        assertAllReleased(before);
    }

    private static void assertServesAnotherClient(int port, boolean tls) throws IOException {
        try (Socket s = tls ? TestTls.clientContext().getSocketFactory().createSocket("127.0.0.1", port)
                : new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HELLO");
            s.getOutputStream().write("SECURE\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo(tls ? "YES" : "NO");
        }
    }

    private void assertAllReleased(FileDescriptors.Snapshot before) {
        LeakCheck.assertNothingLeaked(server);
        Await.until("queued replies given back", Duration.ofSeconds(10), () -> server.stats().queuedReplyBytes() == 0);
        FileDescriptors.assertBackTo(before);
    }
}
