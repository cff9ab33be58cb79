package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.micrometer.MailproxyMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus configuration and the Grafana dashboard in {@code examples/} use series that
 * {@link MailproxyMetrics} really exposes, and the dashboard shows every meter.
 */
class MonitoringExamplesTest {

    private static final Pattern SERIES = Pattern.compile("mailproxy_[a-z_]+");

    /** @return the series names a Prometheus registry exposes once every meter has a value */
    private static Set<String> exposed() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MailproxyMetrics metrics = new MailproxyMetrics(registry);
        InetSocketAddress client = new InetSocketAddress("192.0.2.1", 40000);
        metrics.sessionOpened(new SessionInfo("s", "imap", null, client, null, null, SessionInfo.State.PRE_LOGIN,
                Instant.now(), 0, 0));
        metrics.loginDecided(new LoginEvent("s", "imap", "u", client, SessionEvent.Outcome.PROXIED, "h", client,
                Duration.ofMillis(3), Duration.ofMillis(5)));
        metrics.sessionClosed(new SessionEvent("s", "imap", "u", client, client, 10, 20, Duration.ofSeconds(1),
                SessionEvent.Outcome.PROXIED));
        metrics.connectionRefused("imap", RefusalCause.MAX_CONNECTIONS);
        Set<String> names = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (!line.startsWith("#") && line.startsWith("mailproxy_")) {
                names.add(line.replaceAll("[{ ].*", ""));
            }
        }
        registry.close();
        return names;
    }

    private static Set<String> used(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = SERIES.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    @Test
    void dashboardQueriesExposedSeriesAndShowsEveryMeter() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("grafana", "mailproxy-dashboard.json").toFile());
        StringBuilder queries = new StringBuilder();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                queries.append(target.get("expr").asText()).append('\n');
            }
        }
        Set<String> exposed = exposed();
        Set<String> used = used(queries.toString());
        assertThat(exposed).containsAll(used);
        for (String meter : new String[] {MailproxyMetrics.LOGINS, MailproxyMetrics.SESSIONS_ACTIVE,
            MailproxyMetrics.PASSDB_LOOKUP, MailproxyMetrics.BACKEND_LOGIN, MailproxyMetrics.SESSION_DURATION,
            MailproxyMetrics.RELAYED_BYTES, MailproxyMetrics.REFUSALS}) {
            String prefix = meter.replace('.', '_');
            assertThat(used).as("a panel for %s", meter).anyMatch(name -> name.startsWith(prefix));
        }
    }

    @Test
    void prometheusConfigScrapesTheAdminListenerAndNamesExposedSeries() throws Exception {
        String config = Files.readString(Path.of("prometheus", "prometheus.yml"));
        assertThat(config).contains("metrics_path: /metrics").contains("type: Bearer");
        assertThat(exposed()).containsAll(used(config));
    }
}
