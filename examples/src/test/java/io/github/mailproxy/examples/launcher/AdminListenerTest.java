package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LineClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The launcher's admin listener over real HTTP, with a real proxy in front of GreenMail. */
class AdminListenerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final List<String> DATA_ENDPOINTS = List.of("metrics", "sessions", "stats", "health/live",
            "health/ready");

    private final ObjectMapper json = new ObjectMapper();
    private AdminFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new AdminFixture("dora", "emil");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void everyEndpointButThePageNeedsTheToken() throws Exception {
        for (String path : DATA_ENDPOINTS) {
            assertThat(fixture.call("GET", path, null).statusCode()).as("GET /%s without token", path).isEqualTo(401);
            assertThat(fixture.call("GET", path, fixture.token + "x").statusCode()).as("GET /%s, wrong token", path)
                    .isEqualTo(401);
            assertThat(fixture.call("GET", path, fixture.token.substring(1)).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = fixture.get(path);
            assertThat(ok.statusCode()).as("GET /%s with token", path).isEqualTo(200);
        }
        HttpResponse<String> refused = fixture.call("POST", "kick?user=dora", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer"));
        assertThat(json.readTree(refused.body()).get("error").asText()).isEqualTo("unauthorized");
        assertThat(fixture.call("POST", "kick?user=dora", fixture.token + "x").statusCode()).isEqualTo(401);
        assertThat(fixture.post("kick?user=dora").statusCode()).isEqualTo(200);
        // the page is a static file without data: served without the token, it asks for it
        HttpResponse<String> page = fixture.call("GET", "", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(page.body()).contains("<title>mailproxy status</title>").doesNotContain(fixture.token);
    }

    @Test
    void unknownPathsAreNotFoundAndWrongMethodsNotAllowed() throws Exception {
        assertThat(fixture.get("nope").statusCode()).isEqualTo(404);
        assertThat(fixture.call("GET", "nope", null).statusCode()).isEqualTo(404);
        assertThat(fixture.get("sessions/x").statusCode()).isEqualTo(404);
        HttpResponse<String> getKick = fixture.get("kick?user=dora");
        assertThat(getKick.statusCode()).isEqualTo(405);
        assertThat(getKick.headers().firstValue("Allow")).hasValue("POST");
        assertThat(fixture.post("sessions").statusCode()).isEqualTo(405);
        assertThat(fixture.post("").statusCode()).isEqualTo(405);
        assertThat(fixture.call("DELETE", "metrics", fixture.token).statusCode()).isEqualTo(405);
    }

    @Test
    void sessionsListsEachLiveSessionAsJson() throws Exception {
        try (LineClient dora = fixture.imapLogin("dora")) {
            Await.until("one session logged in", WAIT, () -> proxying(sessions()) == 1);
            JsonNode list = sessions();
            assertThat(list).hasSize(1);
            JsonNode s = list.get(0);
            assertThat(s.get("user").asText()).isEqualTo("dora");
            assertThat(s.get("protocol").asText()).isEqualTo("imap");
            assertThat(s.get("client").asText()).startsWith("127.0.0.1:");
            assertThat(s.get("backend").asText()).isEqualTo("127.0.0.1");
            assertThat(s.get("backend_address").asText())
                    .isEqualTo("127.0.0.1:" + fixture.backend.getImap().getPort());
            assertThat(s.get("state").asText()).isEqualTo("proxying");
            assertThat(Instant.parse(s.get("started").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(s.get("id").asText()).isNotEmpty();
            dora.send("b NOOP\r\n");
            assertThat(dora.line()).startsWith("b OK");
            Await.until("NOOP counted", WAIT, () -> sessions().get(0).get("bytes_in").asLong() == "b NOOP\r\n".length());
            assertThat(sessions().get(0).get("bytes_out").asLong()).isPositive();
        }
        Await.until("no session", WAIT, () -> sessions().isEmpty());
    }

    @Test
    void kickByUserEndsThatUsersSessionsWithBye() throws Exception {
        try (LineClient dora1 = fixture.imapLogin("dora"); LineClient dora2 = fixture.imapLogin("dora");
             LineClient emil = fixture.imapLogin("emil")) {
            Await.until("three sessions logged in", WAIT, () -> proxying(sessions()) == 3);
            HttpResponse<String> kicked = fixture.post("kick?user=dora");
            assertThat(kicked.statusCode()).isEqualTo(200);
            assertThat(kicked.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(json.readTree(kicked.body()).get("kicked").asInt()).isEqualTo(2);
            for (LineClient dora : List.of(dora1, dora2)) {
                assertKicked(dora);
            }
            emil.send("b NOOP\r\n");
            assertThat(emil.line()).startsWith("b OK");
            assertThat(json.readTree(fixture.post("kick?user=nobody").body()).get("kicked").asInt()).isZero();
            assertThat(json.readTree(fixture.post("kick?user=emil").body()).get("kicked").asInt()).isEqualTo(1);
            assertKicked(emil);
        }
    }

    @Test
    void aKickBeforeLoginSaysByeWithTheReason() throws Exception {
        try (LineClient client = LineClient.connect(null,
                new java.net.InetSocketAddress("127.0.0.1", fixture.proxy.server().port("imap")))) {
            assertThat(client.line()).startsWith("* OK");
            Await.until("one session", WAIT, () -> sessions().size() == 1);
            JsonNode s = sessions().get(0);
            assertThat(s.get("state").asText()).isEqualTo("pre_login");
            assertThat(s.get("user").isNull()).isTrue();
            assertThat(s.get("backend").isNull()).isTrue();
            assertThat(json.readTree(fixture.post("kick?session=" + s.get("id").asText()).body()).get("kicked")
                    .asInt()).isEqualTo(1);
            assertThat(AdminFixture.linesUntilEof(client)).contains("* BYE " + AdminHandler.KICK_REASON);
        }
        assertThat(json.readTree(fixture.post("kick?session=no-such-session").body()).get("kicked").asInt())
                .isZero();
    }

    @Test
    void kickByBackendAndBySessionId() throws Exception {
        try (LineClient dora = fixture.imapLogin("dora"); LineClient emil = fixture.imapLogin("emil")) {
            Await.until("two sessions logged in", WAIT, () -> proxying(sessions()) == 2);
            String emilId = null;
            for (JsonNode s : sessions()) {
                if (s.get("user").asText().equals("emil")) {
                    emilId = s.get("id").asText();
                }
            }
            assertThat(json.readTree(fixture.post("kick?session=" + emilId).body()).get("kicked").asInt())
                    .isEqualTo(1);
            assertKicked(emil);
            assertThat(json.readTree(fixture.post("kick?backend=127.0.0.1").body()).get("kicked").asInt())
                    .isEqualTo(1);
            assertKicked(dora);
        }
    }

    @Test
    void malformedKicksAreRefusedWith400() throws Exception {
        for (String query : List.of("kick", "kick?user=", "kick?user=a&backend=b", "kick?user=a&user=b",
                "kick?who=a")) {
            HttpResponse<String> r = fixture.post(query);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            assertThat(json.readTree(r.body()).has("error")).isTrue();
        }
        // java.net.URI refuses to send a malformed escape; the handler's reading of one
        assertThatThrownBy(() -> AdminHandler.query("user=%zz")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AdminHandler.query("user=d%C3%B6ra+x")).containsEntry("user", "döra x");
    }

    @Test
    void metricsAreThePrometheusTextOfTheLogins() throws Exception {
        // the listener's protocol is declared: its series are there at zero before the first client
        assertThat(sample("mailproxy_logins_total{outcome=\"proxied\",protocol=\"imap\"}")).isZero();
        assertThat(sample("mailproxy_sessions_active{protocol=\"imap\"}")).isZero();
        try (LineClient dora = fixture.imapLogin("dora")) {
            LineClient failed = LineClient.connect(null,
                    new java.net.InetSocketAddress("127.0.0.1", fixture.proxy.server().port("imap")));
            try (failed) {
                failed.line();
                assertThat(AdminFixture.login(failed, "emil", "wrong")).startsWith("a NO");
            }
            Await.until("both decided", WAIT, () -> sample("mailproxy_logins_total{outcome=\"auth_failed\","
                    + "protocol=\"imap\"}") == 1);
            HttpResponse<String> metrics = fixture.get("metrics");
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("text/plain"));
            assertThat(sample("mailproxy_logins_total{outcome=\"proxied\",protocol=\"imap\"}")).isEqualTo(1);
            assertThat(sample("mailproxy_sessions_active{protocol=\"imap\"}")).isEqualTo(1);
            assertThat(sample("mailproxy_passdb_lookup_seconds_count{protocol=\"imap\"}")).isEqualTo(2);
            assertThat(metrics.body()).contains("mailproxy_relayed_bytes_total").doesNotContain("dora");
        }
        JsonNode stats = json.readTree(fixture.get("stats").body());
        assertThat(stats.get("interval_seconds").asInt()).isEqualTo(LoginHistory.INTERVAL_SECONDS);
        assertThat(stats.get("logins")).hasSize(LoginHistory.INTERVALS);
        long logins = 0;
        long failures = 0;
        for (int i = 0; i < LoginHistory.INTERVALS; i++) {
            logins += stats.get("logins").get(i).asLong();
            failures += stats.get("failures").get(i).asLong();
        }
        assertThat(logins).isEqualTo(2);
        assertThat(failures).isEqualTo(1);
    }

    @Test
    void readinessTurns503WhenShutdownBeginsWhileLivenessStays200() throws Exception {
        assertThat(fixture.get("health/ready").statusCode()).isEqualTo(200);
        try (LineClient dora = fixture.imapLogin("dora")) {
            // a relayed session keeps close() draining (up to the shutdown timeout) while the admin listener answers
            CompletableFuture<Void> closing = CompletableFuture.runAsync(fixture.proxy::close);
            Await.until("ready turns 503", WAIT, () -> status("health/ready") == 503);
            HttpResponse<String> ready = fixture.get("health/ready");
            assertThat(json.readTree(ready.body()).get("status").asText()).isEqualTo("shutting down");
            assertThat(fixture.get("health/live").statusCode()).isEqualTo(200);
            assertThat(closing).isNotDone();
            dora.send("b LOGOUT\r\n");
            AdminFixture.linesUntilEof(dora);
            closing.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        }
        // then the admin listener is gone with the server
        assertThatThrownBy(() -> fixture.get("health/live")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void clientsThatNeverFinishTheirRequestAreCutOffAndDoNotHoldTheListener() throws Exception {
        List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {  // more than the listener's threads
                java.net.Socket socket = new java.net.Socket();
                socket.connect(fixture.admin(), 10_000);
                socket.setSoTimeout(20_000);
                socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n".getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            long start = System.nanoTime();
            assertThat(fixture.get("health/live").statusCode()).isEqualTo(200);
            for (java.net.Socket socket : slow) {
                assertThat(closedByPeer(socket)).as("closed by the server").isTrue();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(AdminListener.MAX_REQUEST_SECONDS + 5));
        } finally {
            for (java.net.Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void anAdminAddressInUseIsAConfigErrorNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Properties p = new Properties();
            p.setProperty("imap.listen", "127.0.0.1:0");
            p.setProperty("passdb", "static");
            p.setProperty("passdb.static", "proxy=y host=127.0.0.1 nopassword=y");
            p.setProperty("admin.listen", "127.0.0.1:" + taken.getLocalPort());
            assertThatThrownBy(() -> Launcher.start(p)).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("admin.listen: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void aTokenWithoutAnAdminListenerIsRefused() {
        Properties p = new Properties();
        p.setProperty("imap.listen", "127.0.0.1:0");
        p.setProperty("passdb", "static");
        p.setProperty("passdb.static", "proxy=y host=127.0.0.1 nopassword=y");
        p.setProperty("admin.token", fixture.token);
        assertThatThrownBy(() -> LauncherConfig.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessage("admin.token: only used with admin.listen");
    }

    /**
     * A relayed IMAP client that is kicked reaches the end of the stream (within the client's read
     * timeout); if the proxy could say goodbye first, the {@code * BYE} carries the reason.
     */
    static void assertKicked(LineClient client) throws java.io.IOException {
        assertThat(AdminFixture.linesUntilEof(client))
                .allMatch(line -> !line.startsWith("* BYE") || line.contains(AdminHandler.KICK_REASON));
    }

    /** @return whether the peer closed the connection (end of stream, or a reset: the request was left unread) */
    private static boolean closedByPeer(java.net.Socket socket) throws java.io.IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    private JsonNode sessions() {
        try {
            HttpResponse<String> r = fixture.get("sessions");
            assertThat(r.statusCode()).isEqualTo(200);
            return json.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long proxying(JsonNode sessions) {
        long n = 0;
        for (JsonNode s : sessions) {
            n += s.get("state").asText().equals("proxying") ? 1 : 0;
        }
        return n;
    }

    private int status(String path) {
        try {
            return fixture.get(path).statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** @return the value of one series of the Prometheus text, or NaN when absent */
    private double sample(String series) {
        String body;
        try {
            body = fixture.get("metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return Double.NaN;
    }
}
