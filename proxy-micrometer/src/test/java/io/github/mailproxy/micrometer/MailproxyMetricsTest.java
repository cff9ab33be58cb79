package io.github.mailproxy.micrometer;

import static io.github.mailproxy.micrometer.PrometheusText.key;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real logins through a real proxy in front of GreenMail, counted by {@link MailproxyMetrics} into a
 * Prometheus registry; the scrape text is parsed and every series checked exactly.
 */
class MailproxyMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String LOGOUT = "b LOGOUT\r\n";

    private static GreenMail backend;
    private PrometheusMeterRegistry registry;
    private ProxyServer server;

    @BeforeAll
    static void startBackend() {
        backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3)});
        backend.start();
        backend.setUser("dora@example.org", "dora", "dora-secret");
    }

    @AfterAll
    static void stopBackend() {
        backend.stop();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            try {
                LeakCheck.assertNothingLeaked(server);
            } finally {
                server.close();
                registry.close();
            }
        }
    }

    /** Every user lives on GreenMail; the backend's password check decides. */
    private static PassDb greenMail() {
        return request -> CompletableFuture.completedFuture(PassDbResult.found(Map.of(
                "proxy", "y", "nopassword", "y", "host", "127.0.0.1",
                "port", String.valueOf(request.protocol().equals("imap")
                        ? backend.getImap().getPort() : backend.getPop3().getPort()))));
    }

    private ProxyServer start(ProxyServer.Builder builder) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = builder
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(greenMail())
                .authFailureDelay(Duration.ZERO)
                .addSessionListener(new MailproxyMetrics(registry))
                .build().start();
        return server;
    }

    private LineClient imap() throws IOException {
        LineClient client = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("imap")));
        assertThat(client.line()).startsWith("* OK");
        return client;
    }

    /** @return the tagged reply to a LOGIN, after any untagged lines */
    private static String login(LineClient client, String password) throws IOException {
        client.send("a LOGIN dora " + password + "\r\n");
        String line;
        do {
            line = client.line();
        } while (line != null && line.startsWith("*"));
        return line;
    }

    private Map<String, Double> scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    private double value(String key) {
        return scrape().getOrDefault(key, Double.NaN);
    }

    @Test
    void loginsOfEachOutcomeAreCountedExactlyInThePrometheusText() throws Exception {
        start(ProxyServer.builder());
        for (int i = 0; i < 3; i++) {
            try (LineClient client = imap()) {
                assertThat(login(client, "dora-secret")).startsWith("a OK");
                client.send(LOGOUT);
                while (client.line() != null) {
                    // BYE, then b OK, then EOF
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            try (LineClient client = imap()) {
                assertThat(login(client, "wrong")).startsWith("a NO");
            }
        }
        try (LineClient client = LineClient.connect(null, new InetSocketAddress("127.0.0.1", server.port("pop3")))) {
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.command("USER dora")).startsWith("+OK");
            assertThat(client.command("PASS dora-secret")).startsWith("+OK");
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
        String closed = key("mailproxy_session_duration_seconds_count", "protocol", "imap", "outcome", "auth_failed");
        Await.until(() -> "5 IMAP sessions and 1 POP3 session closed in " + registry.scrape(), WAIT,
                () -> value(closed) == 2
                        && value(key("mailproxy_sessions_active", "protocol", "imap")) == 0
                        && value(key("mailproxy_sessions_active", "protocol", "pop3")) == 0);

        String text = registry.scrape();
        Map<String, Double> m = PrometheusText.parse(text);
        assertThat(text).contains("mailproxy_logins_total{outcome=\"proxied\",protocol=\"imap\"} 3");
        assertThat(m).containsEntry(key("mailproxy_logins_total", "protocol", "imap", "outcome", "proxied"), 3.0)
                .containsEntry(key("mailproxy_logins_total", "protocol", "imap", "outcome", "auth_failed"), 2.0)
                .containsEntry(key("mailproxy_logins_total", "protocol", "pop3", "outcome", "proxied"), 1.0)
                .containsEntry(key("mailproxy_passdb_lookup_seconds_count", "protocol", "imap"), 5.0)
                .containsEntry(key("mailproxy_passdb_lookup_seconds_count", "protocol", "pop3"), 1.0)
                .containsEntry(key("mailproxy_backend_login_seconds_count", "protocol", "imap", "outcome", "proxied"),
                        3.0)
                .containsEntry(key("mailproxy_backend_login_seconds_bucket", "protocol", "imap", "outcome", "proxied",
                        "le", "+Inf"), 3.0)
                .containsEntry(key("mailproxy_session_duration_seconds_count", "protocol", "imap", "outcome",
                        "proxied"), 3.0)
                .containsEntry(key("mailproxy_relayed_bytes_total", "protocol", "imap", "direction", "in"),
                        3.0 * LOGOUT.length())
                .containsEntry(key("mailproxy_relayed_bytes_total", "protocol", "pop3", "direction", "in"),
                        (double) "QUIT\r\n".length());
        assertThat(m.get(key("mailproxy_relayed_bytes_total", "protocol", "imap", "direction", "out"))).isPositive();
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("mailproxy_passdb_lookup_seconds_bucket{"));
        // never a user, an address or a port as a label
        assertThat(text).doesNotContain("dora").doesNotContain("127.0.0.1")
                .doesNotContain(String.valueOf(backend.getImap().getPort()));
    }

    @Test
    void activeSessionsGaugeFollowsOpenSessions() throws Exception {
        start(ProxyServer.builder());
        String active = key("mailproxy_sessions_active", "protocol", "imap");
        try (LineClient first = imap(); LineClient second = imap()) {
            assertThat(login(first, "dora-secret")).startsWith("a OK");
            Await.until("two open", WAIT, () -> value(active) == 2);
        }
        Await.until("none open", WAIT, () -> value(active) == 0);
    }

    @Test
    void refusedConnectionsAreCountedByCause() throws Exception {
        start(ProxyServer.builder().maxConnectionsPerIp(1));
        try (LineClient first = imap()) {
            try (LineClient refused = LineClient.connect(null,
                    new InetSocketAddress("127.0.0.1", server.port("imap")))) {
                String line;
                do {
                    line = refused.line();
                } while (line != null);
            }
            String key = key("mailproxy_refusals_total", "protocol", "imap", "cause", "max_connections_per_ip");
            String active = key("mailproxy_sessions_active", "protocol", "imap");
            Await.until(() -> "one refusal, one session open in " + registry.scrape(), WAIT,
                    () -> value(key) == 1 && value(active) == 1);
        }
    }
}
