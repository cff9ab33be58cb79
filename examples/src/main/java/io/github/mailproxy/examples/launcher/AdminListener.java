package io.github.mailproxy.examples.launcher;

import com.sun.net.httpserver.HttpServer;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionListener;
import io.github.mailproxy.micrometer.MailproxyMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's admin HTTP listener ({@code admin.listen}): Prometheus metrics, the live sessions,
 * kicks, health for balancers, and the status page. It runs on the JDK's HTTP server with a small
 * executor of its own, never on the proxy's event loops; the proxy's loops only feed its meters.
 *
 * <pre>{@code
 * AdminListener admin = new AdminListener(new AdminConfig(new InetSocketAddress("127.0.0.1", 8080), token),
 *         Clock.systemUTC());
 * ProxyServer server = config.newServer(admin.sessionListeners("imap", "pop3"));
 * server.start();
 * admin.start(server);        // now serving; close() stops it
 * }</pre>
 *
 * <p>Endpoints (see {@link AdminHandler}): {@code GET /metrics}, {@code GET /sessions},
 * {@code POST /kick?user=NAME|backend=HOST|session=ID}, {@code GET /stats}, {@code GET /health/live},
 * {@code GET /health/ready}, {@code GET /}.
 */
public final class AdminListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.admin");

    /** Threads that answer HTTP requests: few, the requests are small and rare. */
    private static final int THREADS = 2;
    /** Seconds a client may take to send its request; then the JDK's server closes the connection. */
    static final int MAX_REQUEST_SECONDS = 5;
    /** Seconds a client may take to read a response. */
    static final int MAX_RESPONSE_SECONDS = 30;

    static {
        // The JDK's HTTP server reads a request on an executor thread and by default waits for it forever, so
        // two clients that send half a request would hold both threads. Its bounds are system properties read
        // once, when its first instance is made; the launcher owns its JVM, and an operator's own -D wins.
        setIfAbsent("sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS));
        setIfAbsent("sun.net.httpserver.maxRspTime", String.valueOf(MAX_RESPONSE_SECONDS));
    }

    private final AdminConfig config;
    private final PrometheusMeterRegistry registry;
    private final MailproxyMetrics metrics;
    private final LoginHistory history;
    private HttpServer http;
    private ExecutorService executor;

    /**
     * Makes the meters; nothing listens until {@link #start(ProxyServer)}.
     *
     * @param config where to listen and the token
     * @param clock  the clock of the login chart
     */
    public AdminListener(AdminConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new MailproxyMetrics(registry);
        this.history = new LoginHistory(clock);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * @param protocols the protocols of the server's listeners, whose meters are shown at zero from the start
     * @return the listeners to add to the server's builder, so that the meters and the chart hear its sessions
     */
    public SessionListener[] sessionListeners(String... protocols) {
        metrics.declare(protocols);
        return new SessionListener[] {metrics, history};
    }

    /**
     * Binds and starts serving requests about the server.
     *
     * @param server the server whose sessions are shown and kicked
     * @throws ConfigException naming {@code admin.listen} if the address cannot be bound
     * @throws IllegalStateException if already started
     */
    public synchronized void start(ProxyServer server) {
        Objects.requireNonNull(server, "server");
        if (http != null) {
            throw new IllegalStateException("admin listener already started");
        }
        HttpServer bound;
        try {
            bound = HttpServer.create(config.listen(), 16);
        } catch (IOException e) {
            throw new ConfigException(ConfigKey.ADMIN_LISTEN.key() + ": cannot listen on "
                    + ListenAddress.format(config.listen()) + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(THREADS, daemonThreads());
        bound.setExecutor(executor);
        bound.createContext("/", new AdminHandler(server, config.token(), registry, history));
        bound.start();
        http = bound;
        LOG.info("admin listening on {} (token {})", ListenAddress.format(address()),
                config.token() == null ? "off" : "required");
    }

    /** @return the bound address (its port when {@code admin.listen} asked for port 0) */
    public synchronized InetSocketAddress address() {
        if (http == null) {
            throw new IllegalStateException("admin listener not started");
        }
        return http.getAddress();
    }

    /** Stops answering; requests under way are cut. Idempotent. */
    @Override
    public synchronized void close() {
        if (http != null) {
            http.stop(0);
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            http = null;
        }
        registry.close();
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "mailproxy-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
