package io.github.mailproxy.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.SessionInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters {@link MailproxyMetrics} makes of each event, event by event. */
class MailproxyMetricsEventsTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 50_000);
    private static final InetSocketAddress BACKEND = new InetSocketAddress("198.51.100.1", 143);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MailproxyMetrics metrics = new MailproxyMetrics(registry);

    private static SessionInfo opened(String id) {
        return new SessionInfo(id, "imap", null, CLIENT, null, null, SessionInfo.State.PRE_LOGIN, Instant.now(), 0, 0);
    }

    @Test
    void aSessionFromOpenToCloseFeedsEveryMeter() {
        metrics.sessionOpened(opened("s1"));
        assertThat(registry.get("mailproxy.sessions.active").tag("protocol", "imap").gauge().value()).isEqualTo(1);

        metrics.loginDecided(new LoginEvent("s1", "imap", "mallory\r\nx", CLIENT, Outcome.PROXIED, "mail1", BACKEND,
                Duration.ofMillis(12), Duration.ofMillis(30)));
        metrics.sessionClosed(new SessionEvent("s1", "imap", "mallory\r\nx", CLIENT, BACKEND, 100, 2000,
                Duration.ofSeconds(5), Outcome.PROXIED));

        assertThat(registry.get("mailproxy.sessions.active").tag("protocol", "imap").gauge().value()).isZero();
        assertThat(registry.get("mailproxy.logins").tags("protocol", "imap", "outcome", "proxied").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("mailproxy.passdb.lookup").tag("protocol", "imap").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12);
        assertThat(registry.get("mailproxy.backend.login").tags("protocol", "imap", "outcome", "proxied").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);
        assertThat(registry.get("mailproxy.session.duration").tags("protocol", "imap", "outcome", "proxied").timer()
                .totalTime(TimeUnit.SECONDS)).isEqualTo(5);
        assertThat(registry.get("mailproxy.relayed.bytes").tags("protocol", "imap", "direction", "in").counter()
                .count()).isEqualTo(100);
        assertThat(registry.get("mailproxy.relayed.bytes").tags("protocol", "imap", "direction", "out").counter()
                .count()).isEqualTo(2000);
        // no meter carries the user, the client, or the backend's name or address
        registry.getMeters().forEach(meter -> meter.getId().getTags().forEach(tag -> assertThat(tag.getValue())
                .doesNotContain("mallory").doesNotContain("192.0.2.7").doesNotContain("mail1")
                .doesNotContain("198.51.100.1")));
    }

    @Test
    void aDecisionWithoutLookupOrBackendLoginRecordsNoTime() {
        metrics.loginDecided(new LoginEvent("s2", "pop3", "u", CLIENT, Outcome.AUTH_FAILED, null, null, null, null));
        assertThat(registry.get("mailproxy.logins").tags("protocol", "pop3", "outcome", "auth_failed").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get("mailproxy.passdb.lookup").tag("protocol", "pop3").timer().count()).isZero();
        assertThat(registry.find("mailproxy.backend.login").timers()).isEmpty();
    }

    @Test
    void declaredProtocolsAreExportedAtZeroBeforeTheirFirstSession() {
        assertThat(metrics.declare("imap", "pop3")).isSameAs(metrics);
        for (String protocol : new String[] {"imap", "pop3"}) {
            assertThat(registry.get("mailproxy.sessions.active").tag("protocol", protocol).gauge().value()).isZero();
            assertThat(registry.get("mailproxy.logins").tags("protocol", protocol, "outcome", "proxied").counter()
                    .count()).isZero();
            assertThat(registry.get("mailproxy.logins").tags("protocol", protocol, "outcome", "auth_failed")
                    .counter().count()).isZero();
            assertThat(registry.get("mailproxy.passdb.lookup").tag("protocol", protocol).timer().count()).isZero();
        }
        metrics.loginDecided(new LoginEvent("s3", "imap", "u", CLIENT, Outcome.PROXIED, "h", BACKEND, null, null));
        assertThat(registry.get("mailproxy.logins").tags("protocol", "imap", "outcome", "proxied").counter().count())
                .isEqualTo(1);
    }

    @Test
    void refusalsAreCountedByProtocolAndCause() {
        metrics.connectionRefused("imap", RefusalCause.MAX_CONNECTIONS);
        metrics.connectionRefused("imap", RefusalCause.MAX_CONNECTIONS);
        metrics.connectionRefused("pop3", RefusalCause.MAX_LOGINS_PER_IP);
        assertThat(registry.get("mailproxy.refusals").tags("protocol", "imap", "cause", "max_connections").counter()
                .count()).isEqualTo(2);
        assertThat(registry.get("mailproxy.refusals").tags("protocol", "pop3", "cause", "max_logins_per_ip")
                .counter().count()).isEqualTo(1);
    }
}
