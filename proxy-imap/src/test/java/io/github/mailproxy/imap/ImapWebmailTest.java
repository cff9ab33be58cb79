package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A webmail server logs in once per page view, all from one address. With the default settings (only
 * the listener and the PassDb set) none of thousands of successful logins may be refused.
 */
class ImapWebmailTest {

    private static final int LOGINS = 3000;
    /** Concurrent page views: each login waits ~90 ms on GreenMail (Nagle on its side), so latency, not CPU, bounds the run. */
    private static final int CLIENTS = 30;

    @Test
    void thousandsOfSuccessfulLoginsFromOneAddressAreNeverRefusedWithDefaultSettings() throws Exception {
        GreenMail greenMail = TestBackend.startGreenMail();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (ProxyServer server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + TestBackend.imapPort(greenMail)
                        + " nopassword=y"))
                .build().start()) {
            int port = server.port(ImapProtocol.NAME);
            AtomicInteger ok = new AtomicInteger();
            List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int t = 0; t < CLIENTS; t++) {
                runs.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < LOGINS / CLIENTS; i++) {
                        try (Socket s = new Socket("127.0.0.1", port)) {
                            s.setSoTimeout(10_000);
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                            in.readLine();
                            s.getOutputStream().write("a LOGIN bob pw-bob\r\n".getBytes(StandardCharsets.US_ASCII));
                            String reply = in.readLine();
                            while (reply != null && !reply.startsWith("a ")) {
                                reply = in.readLine();
                            }
                            if (reply != null && reply.startsWith("a OK")) {
                                ok.incrementAndGet();
                            } else {
                                refused.add(String.valueOf(reply));
                            }
                            // the page is served: the webmail hangs up, as most do, without LOGOUT
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }, clients));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(refused).as("refused logins").isEmpty();
            assertThat(ok).hasValue(LOGINS);
            Await.until("every session closed", Duration.ofSeconds(10), () -> server.stats().openSessions() == 0);
            assertThat(server.stats().totalSessions()).isEqualTo(LOGINS);
            LeakCheck.assertNothingLeaked(server);
        } finally {
            clients.shutdownNow();
            greenMail.stop();
        }
    }
}
