package io.github.mailproxy.micrometer;

import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.SessionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters fed by a {@link io.github.mailproxy.ProxyServer}'s session events. Add it to the
 * builder as a listener; it needs nothing else of the server.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * ProxyServer server = ProxyServer.builder()
 *     .listen(ImapProtocol.plain(new InetSocketAddress("0.0.0.0", 143)))
 *     .passDb(passDb)
 *     .addSessionListener(new MailproxyMetrics(registry).declare("imap"))
 *     .build();
 * }</pre>
 *
 * <p>The meters (Prometheus names in brackets):
 * <ul>
 *   <li>{@value #LOGINS} counter, tags {@code protocol}, {@code outcome}: login decisions, one per decided login
 *       attempt (a client may try again after a failure) ({@code mailproxy_logins_total})</li>
 *   <li>{@value #SESSIONS_ACTIVE} gauge, tag {@code protocol}: sessions open now ({@code mailproxy_sessions_active})</li>
 *   <li>{@value #PASSDB_LOOKUP} timer with a percentile histogram, tag {@code protocol}: PassDb lookups that
 *       happened (a cache hit is none) ({@code mailproxy_passdb_lookup_seconds_count}, {@code _sum}, {@code _bucket})</li>
 *   <li>{@value #BACKEND_LOGIN} timer with a percentile histogram, tags {@code protocol}, {@code outcome}:
 *       connecting and logging in to a backend</li>
 *   <li>{@value #SESSION_DURATION} timer, tags {@code protocol}, {@code outcome}: sessions, when they end</li>
 *   <li>{@value #RELAYED_BYTES} counter in bytes, tags {@code protocol}, {@code direction} ({@code in}: from
 *       clients to backends, {@code out}: to clients), counted when a session ends
 *       ({@code mailproxy_relayed_bytes_total})</li>
 *   <li>{@value #REFUSALS} counter, tags {@code protocol}, {@code cause}: connections refused before a session
 *       was served or a login before its lookup
 *       (limits, a full PassDb pool, accept failures) ({@code mailproxy_refusals_total})</li>
 * </ul>
 * Tag values are lower case ({@code auth_failed}, {@code max_connections_per_ip}). No meter is tagged with a
 * user name, an address or a backend host: their number is unbounded and chosen by clients or the PassDb.
 *
 * <p>Called on the server's event loops: each method does a map look-up and an atomic update; the meters
 * of a new protocol, outcome or cause are registered on first use.
 */
public final class MailproxyMetrics implements SessionListener {

    /** Name of the login counter. */
    public static final String LOGINS = "mailproxy.logins";
    /** Name of the gauge of open sessions. */
    public static final String SESSIONS_ACTIVE = "mailproxy.sessions.active";
    /** Name of the PassDb lookup timer. */
    public static final String PASSDB_LOOKUP = "mailproxy.passdb.lookup";
    /** Name of the backend login timer. */
    public static final String BACKEND_LOGIN = "mailproxy.backend.login";
    /** Name of the session duration timer. */
    public static final String SESSION_DURATION = "mailproxy.session.duration";
    /** Name of the relayed bytes counter. */
    public static final String RELAYED_BYTES = "mailproxy.relayed.bytes";
    /** Name of the counter of refused connections. */
    public static final String REFUSALS = "mailproxy.refusals";

    private final MeterRegistry registry;
    private final Map<String, ProtocolMeters> protocols = new ConcurrentHashMap<>();

    /**
     * @param registry where the meters are registered
     */
    public MailproxyMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Registers the meters of protocols now rather than at their first event, so that a scrape shows
     * them at zero from the start (a rate or an absence alert then has a series to read): the active
     * sessions gauge, the PassDb timer, the relayed bytes, and the logins that are proxied, failed and
     * failed temporarily.
     *
     * @param protocols the protocols of the server's listeners, such as {@code imap} and {@code pop3}
     * @return this
     */
    public MailproxyMetrics declare(String... protocols) {
        for (String protocol : protocols) {
            ProtocolMeters m = meters(Objects.requireNonNull(protocol, "protocol"));
            for (SessionEvent.Outcome o : new SessionEvent.Outcome[] {SessionEvent.Outcome.PROXIED,
                SessionEvent.Outcome.AUTH_FAILED, SessionEvent.Outcome.TEMPORARY_FAILURE}) {
                m.login(o);
            }
        }
        return this;
    }

    @Override
    public void sessionOpened(SessionInfo session) {
        meters(session.protocol()).active.incrementAndGet();
    }

    @Override
    public void loginDecided(LoginEvent event) {
        ProtocolMeters m = meters(event.protocol());
        m.login(event.outcome()).increment();
        if (event.passDbLookup() != null) {
            m.passDbLookup.record(event.passDbLookup());
        }
        if (event.backendLogin() != null) {
            m.backendLogin.computeIfAbsent(event.outcome(), o -> histogram(Timer.builder(BACKEND_LOGIN)
                    .description("Connecting and logging in to a backend")
                    .tags("protocol", m.protocol, "outcome", tag(o)))).record(event.backendLogin());
        }
    }

    @Override
    public void sessionClosed(SessionEvent event) {
        ProtocolMeters m = meters(event.protocol());
        m.active.decrementAndGet();
        m.duration.computeIfAbsent(event.outcome(), o -> Timer.builder(SESSION_DURATION)
                .description("Sessions, from accept to close")
                .tags("protocol", m.protocol, "outcome", tag(o)).register(registry))
                .record(nonNegative(event.duration()));
        if (event.bytesFromClient() > 0) {
            m.bytesIn.increment(event.bytesFromClient());
        }
        if (event.bytesToClient() > 0) {
            m.bytesOut.increment(event.bytesToClient());
        }
    }

    @Override
    public void connectionRefused(String protocol, RefusalCause cause) {
        ProtocolMeters m = meters(protocol);
        m.refusals.computeIfAbsent(cause, c -> Counter.builder(REFUSALS)
                .description("Connections and logins refused by a limit, and failed accepts")
                .tags("protocol", m.protocol, "cause", tag(c)).register(registry)).increment();
    }

    private ProtocolMeters meters(String protocol) {
        ProtocolMeters m = protocols.get(protocol);
        return m != null ? m : protocols.computeIfAbsent(protocol, ProtocolMeters::new);
    }

    private Timer histogram(Timer.Builder builder) {
        return builder.publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    private static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static Duration nonNegative(Duration d) {
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /** The meters of one protocol; those keyed by an enum are registered when first needed. */
    private final class ProtocolMeters {
        final String protocol;
        final AtomicInteger active = new AtomicInteger();
        final Timer passDbLookup;
        final Counter bytesIn;
        final Counter bytesOut;
        final Map<SessionEvent.Outcome, Counter> logins = new ConcurrentHashMap<>();
        final Map<SessionEvent.Outcome, Timer> backendLogin = new ConcurrentHashMap<>();
        final Map<SessionEvent.Outcome, Timer> duration = new ConcurrentHashMap<>();
        final Map<RefusalCause, Counter> refusals = new ConcurrentHashMap<>();

        ProtocolMeters(String protocol) {
            this.protocol = protocol;
            Gauge.builder(SESSIONS_ACTIVE, active, AtomicInteger::get)
                    .description("Client sessions open now").tag("protocol", protocol).register(registry);
            passDbLookup = histogram(Timer.builder(PASSDB_LOOKUP)
                    .description("PassDb lookups (a cache hit is none)").tag("protocol", protocol));
            bytesIn = relayed("in");
            bytesOut = relayed("out");
        }

        Counter login(SessionEvent.Outcome outcome) {
            return logins.computeIfAbsent(outcome, o -> Counter.builder(LOGINS)
                    .description("Login decisions, one per decided login attempt")
                    .tags("protocol", protocol, "outcome", tag(o)).register(registry));
        }

        private Counter relayed(String direction) {
            return Counter.builder(RELAYED_BYTES).baseUnit("bytes")
                    .description("Bytes relayed after login: in from clients, out to clients; counted at session end")
                    .tags("protocol", protocol, "direction", direction).register(registry);
        }
    }
}
