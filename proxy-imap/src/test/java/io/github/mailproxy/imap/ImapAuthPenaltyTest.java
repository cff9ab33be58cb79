package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.Scheduler;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dovecot's auth penalty as an IMAP client meets it, whoever refuses the password: the PassDb (an
 * unknown user) or the backend (GreenMail, refusing a forwarded wrong password). The scheduler
 * records each failure reply's delay and runs the reply at once; the ticker is moved by hand.
 */
class ImapAuthPenaltyTest {

    private static GreenMail greenMail;
    private final List<Long> delays = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private ProxyServer server;

    @BeforeAll
    static void startBackend() {
        greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
    }

    @AfterAll
    static void stopBackend() {
        greenMail.stop();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
    }

    private void start(String... trusted) {
        Map<String, String> toGreenMail = Map.of("proxy", "y", "host", "127.0.0.1",
                "port", String.valueOf(TestBackend.imapPort(greenMail)), "nopassword", "y");
        PassDb passDb = request -> CompletableFuture.completedFuture(
                request.user().equals("ghost") ? PassDbResult.notFound() : PassDbResult.found(toGreenMail));
        Scheduler recording = (executor, command, delay, unit) -> {
            delays.add(unit.toMillis(delay));
            executor.execute(command);
            return CompletableFuture.completedFuture(null);
        };
        ProxyServer.Builder b = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb).scheduler(recording).ticker(now::get);
        if (trusted.length > 0) {
            b.loginTrustedNetworks(trusted);
        }
        server = b.build().start();
    }

    /** Logs in once per password on one connection, each refused. */
    private void failLogins(String... userAndPassword) throws IOException {
        try (RawImapClient c = new RawImapClient(server.port(ImapProtocol.NAME))) {
            c.readLine();
            for (int i = 0; i < userAndPassword.length; i++) {
                c.send("a" + i + " LOGIN " + userAndPassword[i] + "\r\n");
                assertThat(c.tagged("a" + i)).startsWith("a" + i + " NO [AUTHENTICATIONFAILED]");
            }
        }
    }

    @Test
    void failedLoginsFromOneAddressAreAnsweredAfterTwoFourEightFifteenFifteenSeconds() throws IOException {
        start();
        failLogins("ghost x1", "bob wrong2", "bob wrong3", "ghost x4", "bob wrong5");
        assertThat(delays).as("PassDb and backend refusals alike").containsExactly(2000L, 4000L, 8000L, 15000L, 15000L);
    }

    @Test
    void repeatingTheSameWrongCredentialsDoesNotRaiseTheDelay() throws IOException {
        start();
        failLogins("bob stale", "bob stale", "bob stale", "ghost other", "bob stale", "ghost other");
        assertThat(delays).containsExactly(2000L, 2000L, 2000L, 4000L, 4000L, 4000L);
    }

    @Test
    void thePenaltyExpiresAnHourAfterTheLastFailure() throws IOException {
        start();
        failLogins("bob w1", "bob w2", "bob w3");
        now.addAndGet(Duration.ofMinutes(59).toNanos());
        failLogins("bob w4");
        now.addAndGet(Duration.ofMinutes(61).toNanos());
        failLogins("bob w5");
        assertThat(delays).containsExactly(2000L, 4000L, 8000L, 15000L, 2000L);
    }

    @Test
    void aSuccessfulLoginFromTheAddressClearsThePenaltyAsInDovecot() throws IOException {
        start();
        failLogins("bob w1", "bob w2");
        try (RawImapClient c = new RawImapClient(server.port(ImapProtocol.NAME))) {
            c.readLine();
            c.send("a LOGIN bob pw-bob\r\n");
            assertThat(c.tagged("a")).startsWith("a OK");
        }
        failLogins("bob w3");
        assertThat(delays).containsExactly(2000L, 4000L, 2000L);
    }

    @Test
    void clientsInTheLoginTrustedNetworksGetThePlainDelay() throws IOException {
        start("127.0.0.0/8");
        failLogins("bob w1", "ghost w2", "bob w3");
        assertThat(delays).containsExactly(2000L, 2000L, 2000L);
    }
}
