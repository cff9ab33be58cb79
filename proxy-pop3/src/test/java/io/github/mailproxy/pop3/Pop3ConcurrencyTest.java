package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many sessions at once: each client sees its own mailbox only, and nothing is left afterwards. */
class Pop3ConcurrencyTest {

    private static final int SESSIONS = 200;
    /**
     * Logins in flight at once. GreenMail listens with Java's default backlog of 50; the proxy
     * opens backend connections in a burst, and on Linux a connection that overflows that queue
     * looks established to the proxy but is never accepted, so it would wait for a greeting until
     * the login timeout. All sessions are still open together once logged in.
     */
    private static final int LOGINS_IN_FLIGHT = 25;

    @Test
    void twoHundredConcurrentSessionsEachSeeTheirOwnMailbox() throws Exception {
        try (GreenMailBackend backend = new GreenMailBackend()) {
            for (int i = 0; i < SESSIONS; i++) {
                String user = user(i);
                backend.user(user, "pw-" + user)
                        .deliver(GreenMailBackend.message(user + "@example.org", "for " + user, "Mailbox of " + user + "."));
            }
            try (ProxyServer server = ProxyServer.builder()
                    .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y"))
                    .authFailureDelay(Duration.ZERO)
                    .eventLoops(2)
                    .build()
                    .start()) {
                int port = server.port(Pop3Protocol.NAME);
                CountDownLatch loggedIn = new CountDownLatch(SESSIONS);
                CountDownLatch proceed = new CountDownLatch(1);
                Semaphore loggingIn = new Semaphore(LOGINS_IN_FLIGHT);
                ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
                try {
                    List<Future<String>> results = new ArrayList<>();
                    for (int i = 0; i < SESSIONS; i++) {
                        String user = user(i);
                        results.add(clients.submit(() -> session(port, user, loggingIn, loggedIn, proceed)));
                    }
                    assertThat(loggedIn.await(60, TimeUnit.SECONDS)).as("all sessions logged in").isTrue();
                    assertThat(server.stats().openSessions()).isEqualTo(SESSIONS);
                    assertThat(server.stats().openBackendConnections()).isEqualTo(SESSIONS);
                    proceed.countDown();
                    for (int i = 0; i < SESSIONS; i++) {
                        String message = results.get(i).get(60, TimeUnit.SECONDS);
                        assertThat(message).contains("Subject: for " + user(i), "Mailbox of " + user(i) + ".");
                    }
                } finally {
                    proceed.countDown();
                    clients.shutdownNow();
                }
                LeakCheck.assertNothingLeaked(server);
                assertThat(server.stats().totalSessions()).isEqualTo(SESSIONS);
            }
        }
    }

    private static String user(int i) {
        return String.format("u%03d", i);
    }

    /** Logs in, waits for every other session to be logged in too, then reads the one message. */
    private static String session(int port, String user, Semaphore loggingIn, CountDownLatch loggedIn,
                                  CountDownLatch proceed) throws InterruptedException {
        loggingIn.acquire();
        PopClient c;
        try {
            c = PopClient.connect(port);
            assertThat(c.readLine()).isEqualTo("+OK mailproxy ready.");
            c.send("USER " + user + "\r\nPASS pw-" + user + "\r\n");
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.readLine()).startsWith("+OK");
        } finally {
            loggingIn.release();
        }
        try (c) {
            loggedIn.countDown();
            if (!proceed.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("never told to proceed");
            }
            assertThat(c.command("STAT")).startsWith("+OK 1 ");
            c.send("RETR 1\r\n");
            String message = new String(c.readMultilineBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(c.command("QUIT")).startsWith("+OK");
            assertThat(c.closedByPeer()).isTrue();
            return message;
        }
    }
}
