package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LineProtocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How the engine fails: a start that cannot bind, an Error on a loop, and refusals by the hundred. */
class EngineFailureTest {

    private static final PassDb NOWHERE = StaticPassDb.parse("proxy=y host=127.0.0.1 port=9 nopassword=y");

    private static Listener line(int port) {
        return new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", port), TlsMode.PLAIN, null);
    }

    @Test
    void failedStartsReleaseEverySelectorAndSocket() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            FileDescriptors.Snapshot before = FileDescriptors.snapshot();
            for (int i = 0; i < 20; i++) {
                ProxyServer server = ProxyServer.builder().listen(line(taken.getLocalPort())).passDb(NOWHERE)
                        .eventLoops(2).build();
                assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining(":" + taken.getLocalPort());
                server.close();
            }
            assertThat(FileDescriptors.snapshot().count()).as("descriptors after 20 failed starts: "
                    + before.addedIn(FileDescriptors.snapshot())).isLessThanOrEqualTo(before.count());
        }
    }

    @Test
    void anErrorOnALoopStopsTheServerAndClosesItsListenersAndSessions() throws Exception {
        // declared non-blocking, so that it is called (and fails) on the loop, as a listener or strategy may
        PassDb overflowing = new PassDb() {
            @Override
            public java.util.concurrent.CompletionStage<io.github.mailproxy.PassDbResult> lookup(
                    io.github.mailproxy.AuthRequest request) {
                throw new StackOverflowError("a PassDb that recursed too deep");
            }

            @Override
            public boolean nonBlocking() {
                return true;
            }
        };
        ProxyServer server = ProxyServer.builder().listen(line(0)).passDb(overflowing).eventLoops(1)
                .authFailureDelay(Duration.ZERO).build().start();
        int port = server.port("line");
        try (LogCapture log = new LogCapture();
             Socket bystander = new Socket("127.0.0.1", port);
             Socket victim = new Socket("127.0.0.1", port)) {
            BufferedReader bystanderIn = reader(bystander);
            assertThat(bystanderIn.readLine()).isEqualTo("HELLO");
            BufferedReader victimIn = reader(victim);
            assertThat(victimIn.readLine()).isEqualTo("HELLO");
            assertThat(server.failure()).isEmpty();

            victim.getOutputStream().write("LOGIN alice secret\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(server.awaitTermination(Duration.ofSeconds(10))).as("the server stopped").isTrue();
            assertThat(server.failure()).containsInstanceOf(StackOverflowError.class);
            assertThat(victimIn.readLine()).as("the victim's connection is closed").isNull();
            assertThat(bystanderIn.readLine()).as("the bystander's connection is closed").isNull();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertThat(server.stats().openSessions()).isZero();
            assertThat(server.stats().buffersInUse()).isZero();
            assertThat(log.text().lines().filter(l -> l.contains("ERROR") && l.contains("the server stops")).count())
                    .as("logged once at ERROR").isEqualTo(1);
        } finally {
            server.close();
        }
    }

    @Test
    void fiveHundredRefusedConnectionsGiveAFewLinesWithTheirCount() throws IOException {
        ProxyServer server = ProxyServer.builder().listen(line(0)).passDb(NOWHERE).eventLoops(2).maxConnections(1)
                .build().start();
        int port = server.port("line");
        String text;
        try (LogCapture log = new LogCapture()) {
            try (Socket held = new Socket("127.0.0.1", port)) {
                assertThat(reader(held).readLine()).isEqualTo("HELLO");
                for (int i = 0; i < 500; i++) {
                    try (Socket refused = new Socket("127.0.0.1", port)) {
                        refused.setSoTimeout(5000);
                        assertThat(reader(refused).readLine()).isEqualTo("BUSY");
                    }
                }
            }
            server.close(); // writes what was counted since the last summary
            text = log.text();
        } finally {
            server.close();
        }
        Matcher m = Pattern.compile("refused cause=connection-limit count=(\\d+)").matcher(text);
        int lines = 0;
        long total = 0;
        while (m.find()) {
            lines++;
            total += Long.parseLong(m.group(1));
        }
        assertThat(total).as("refusals counted in the log").isEqualTo(500);
        assertThat(lines).as("log lines for 500 refusals").isBetween(1, 3);
    }

    private static BufferedReader reader(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }
}
