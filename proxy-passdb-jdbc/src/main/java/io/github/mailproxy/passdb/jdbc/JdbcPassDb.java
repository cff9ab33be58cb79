package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.Logfmt;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PassDb that runs a Dovecot SQL passdb query against any JDBC {@link DataSource}. A Dovecot
 * user's {@code password_query} works as it is:
 *
 * <pre>{@code
 * JdbcPassDb passDb = new JdbcPassDb(dataSource,
 *     "SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'");
 * ProxyServer.builder().passDb(passDb)...
 * }</pre>
 *
 * <p><b>Variables.</b> {@code %u} (user), {@code %n} (the part before {@code @}), {@code %d} (the part
 * after it), {@code %s} (service: {@code imap} or {@code pop3}), {@code %r} (client IP), {@code %l}
 * (local IP); long forms {@code %{user}}, {@code %{username}}, {@code %{domain}}, {@code %{service}},
 * {@code %{rip}}, {@code %{lip}}; {@code %L} or {@code %U} before a letter changes the value's case
 * ({@code %Lu}); {@code %%} is a percent sign. Each variable becomes a bind parameter of a
 * {@link PreparedStatement}, never text in the SQL, also where the query quotes it: {@code '%u'}
 * becomes {@code ?}. An unknown variable fails at construction, naming it.
 *
 * <p><b>Rows.</b> Column labels are field names of {@link PassDbResult}, in any case; SQL NULL means
 * the field is absent; SQL booleans and Dovecot's {@code 'Y'}, {@code yes}, {@code 1}, {@code true}
 * are true. No row: not found. More than one row, any {@link SQLException}, or a lookup slower than
 * the query timeout: a temporary failure (the client is told to try later, never that its password
 * was wrong), and the reason is logged.
 *
 * <p><b>Threads.</b> JDBC blocks, so lookups run on a small executor of this PassDb's own, never on
 * the caller's thread. When all its threads are busy, lookups wait in a bounded queue; when that is
 * full too, a lookup fails temporarily at once. {@link #close()} stops the executor. Pooling and
 * failover between database hosts are the {@code DataSource}'s business (a HikariCP pool over a
 * multi-host URL such as {@code jdbc:mariadb:sequential://db1,db2/mail}).
 */
public final class JdbcPassDb implements PassDb, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcPassDb.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final DataSource dataSource;
    private final boolean ownsDataSource;
    private final QueryTemplate query;
    private final String template;
    private final Duration queryTimeout;
    private final int queryTimeoutSeconds;
    private final String defaultPassScheme;
    private final ThreadPoolExecutor executor;

    /**
     * A PassDb with the default settings: {@value Builder#DEFAULT_THREADS} threads, a queue of
     * {@value Builder#DEFAULT_QUEUE_SIZE} lookups, a query timeout of
     * {@value Builder#DEFAULT_QUERY_TIMEOUT_SECONDS} seconds.
     *
     * @param dataSource where to query; not closed by {@link #close()}
     * @param query      a Dovecot {@code password_query}
     * @throws IllegalArgumentException if the query uses an unknown variable (the message names it) or
     *                                  cannot be read
     */
    public JdbcPassDb(DataSource dataSource, String query) {
        this(builder(dataSource, query).withDefaults());
    }

    private JdbcPassDb(Builder b) {
        this.dataSource = b.dataSource;
        this.ownsDataSource = b.ownsDataSource;
        this.template = b.query;
        this.query = QueryTemplate.parse(b.query);
        this.queryTimeout = b.queryTimeout;
        this.queryTimeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                (b.queryTimeout.toMillis() + 999) / 1000));
        this.defaultPassScheme = b.defaultPassScheme;
        this.executor = newExecutor(b.threads, b.queueSize);
    }

    /**
     * Starts configuring a PassDb.
     *
     * <pre>{@code
     * JdbcPassDb passDb = JdbcPassDb.builder(dataSource, query)
     *     .threads(8).queueSize(500).queryTimeout(Duration.ofSeconds(3)).build();
     * }</pre>
     *
     * @param dataSource where to query; not closed by {@link #close()}
     * @param query      a Dovecot {@code password_query}
     * @return the builder
     */
    public static Builder builder(DataSource dataSource, String query) {
        return new Builder(dataSource, query, false);
    }

    /**
     * A PassDb from a Dovecot {@code dovecot-sql.conf}: its {@code driver}, {@code connect},
     * {@code password_query} and {@code default_pass_scheme}. Connections come straight from
     * {@link java.sql.DriverManager}, one per lookup; for a pool use
     * {@link #fromDovecotSqlConf(Path, Function)}. The JDBC driver (MariaDB Connector/J for
     * {@code mysql}, PostgreSQL JDBC for {@code pgsql}) must be on the class path.
     *
     * @param file the configuration file
     * @return the PassDb, with default settings
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a valid configuration (the message names the
     *                                  setting)
     */
    public static JdbcPassDb fromDovecotSqlConf(Path file) throws IOException {
        return fromDovecotSqlConf(file, DovecotSqlConf::dataSource);
    }

    /**
     * A PassDb from a Dovecot {@code dovecot-sql.conf}, with the {@code DataSource} made by the caller
     * from the parsed file, typically a pool:
     *
     * <pre>{@code
     * JdbcPassDb passDb = JdbcPassDb.fromDovecotSqlConf(path, conf -> {
     *     HikariDataSource pool = new HikariDataSource();
     *     pool.setJdbcUrl(conf.jdbcUrl());
     *     pool.setUsername(conf.user());
     *     pool.setPassword(conf.password());
     *     return pool;
     * });
     * }</pre>
     *
     * @param file       the configuration file
     * @param dataSource makes the DataSource; this PassDb owns it and closes it on {@link #close()} when
     *                   it is {@link AutoCloseable}
     * @return the PassDb, with default settings
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a valid configuration
     */
    public static JdbcPassDb fromDovecotSqlConf(Path file, Function<DovecotSqlConf, DataSource> dataSource)
            throws IOException {
        Objects.requireNonNull(dataSource, "dataSource");
        DovecotSqlConf conf = DovecotSqlConf.parse(file);
        DataSource ds = Objects.requireNonNull(dataSource.apply(conf), "the DataSource made from " + file);
        Builder b = new Builder(ds, conf.passwordQuery(), true);
        if (conf.defaultPassScheme() != null) {
            b.defaultPassScheme(conf.defaultPassScheme());
        }
        return b.build();
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        Lookup lookup = new Lookup(request.sessionId(), query.values(request));
        try {
            executor.execute(lookup);
        } catch (RejectedExecutionException e) {
            String reason = executor.isShutdown() ? "the JDBC passdb is closed"
                    : "too many JDBC passdb lookups waiting (" + executor.getQueue().size() + " queued)";
            LOG.warn("session={} msg={}", request.sessionId(), Logfmt.value(reason));
            return CompletableFuture.completedFuture(PassDbResult.temporaryFailure(reason));
        }
        return lookup.result.completeOnTimeout(
                PassDbResult.temporaryFailure("JDBC passdb lookup took longer than " + queryTimeout),
                queryTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return true: a lookup only queues its query on this PassDb's own executor */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    /**
     * The user and the service, and the client or local address when the query uses {@code %r} or
     * {@code %l}: an auth cache keys on these.
     */
    @Override
    public Set<CacheKeyPart> cacheKey() {
        return query.cacheKey();
    }

    /**
     * Stops the executor; lookups still waiting fail temporarily, later ones too. Closes the
     * DataSource only if this PassDb made it ({@link #fromDovecotSqlConf}).
     */
    @Override
    public void close() {
        for (Runnable waiting : executor.shutdownNow()) {
            ((Lookup) waiting).result.complete(PassDbResult.temporaryFailure("the JDBC passdb is closed"));
        }
        if (ownsDataSource && dataSource instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing the passdb's DataSource failed", e);
            }
        }
    }

    /** @return the query as given, the SQL it became, and the settings */
    @Override
    public String toString() {
        return "JdbcPassDb[query=" + template + ", sql=" + query.sql() + ", threads=" + executor.getMaximumPoolSize()
                + ", queueSize=" + (executor.getQueue().remainingCapacity() + executor.getQueue().size())
                + ", queryTimeout=" + queryTimeout + "]";
    }

    private PassDbResult run(String sessionId, List<String> values) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(query.sql())) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            // Two rows are enough to tell "one" from "too many"; no need to fetch the rest.
            statement.setMaxRows(2);
            for (int i = 0; i < values.size(); i++) {
                statement.setString(i + 1, values.get(i));
            }
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return PassDbResult.notFound();
                }
                Map<String, String> fields = Rows.fields(rs, defaultPassScheme);
                if (rs.next()) {
                    String reason = "the passdb query returned more than one row for one user";
                    LOG.warn("session={} msg={}", sessionId, Logfmt.value(reason));
                    return PassDbResult.temporaryFailure(reason);
                }
                return PassDbResult.found(fields);
            }
        } catch (SQLTimeoutException e) {
            LOG.warn("session={} msg=\"the passdb query timed out\" timeout_s={}", sessionId, queryTimeoutSeconds);
            return PassDbResult.temporaryFailure("the passdb query timed out");
        } catch (SQLException e) {
            LOG.warn("session={} msg=\"the passdb query failed\" sqlstate={} error={}", sessionId,
                    Logfmt.value(e.getSQLState()), Logfmt.value(JdbcUrls.mask(e.getMessage())));
            return PassDbResult.temporaryFailure("the passdb query failed (SQLState " + e.getSQLState() + ")");
        } catch (RuntimeException e) {
            LOG.warn("session={} msg=\"the passdb query failed\"", sessionId, e);
            return PassDbResult.temporaryFailure("the passdb query failed: " + e.getClass().getSimpleName());
        }
    }

    private static ThreadPoolExecutor newExecutor(int threads, int queueSize) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "mailproxy-jdbc-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueSize), factory, new ThreadPoolExecutor.AbortPolicy());
        // An idle PassDb holds no thread.
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /** One lookup waiting for, or running on, the executor. */
    private final class Lookup implements Runnable {
        final CompletableFuture<PassDbResult> result = new CompletableFuture<>();
        private final String sessionId;
        private final List<String> values;

        Lookup(String sessionId, List<String> values) {
            this.sessionId = sessionId;
            this.values = values;
        }

        @Override
        public void run() {
            // Given up on while it waited (timeout or close): the caller has its answer already.
            if (!result.isDone()) {
                result.complete(JdbcPassDb.this.run(sessionId, values));
            }
        }
    }

    /**
     * Configures a {@link JdbcPassDb}. Each option may be set once and checks its argument at once.
     */
    public static final class Builder {
        /** Default number of threads that run queries. */
        public static final int DEFAULT_THREADS = 4;
        /** Default number of lookups that may wait for a thread. */
        public static final int DEFAULT_QUEUE_SIZE = 256;
        /** Default query timeout in seconds. */
        public static final int DEFAULT_QUERY_TIMEOUT_SECONDS = 5;

        private final DataSource dataSource;
        private final String query;
        private final boolean ownsDataSource;
        private int threads;
        private int queueSize;
        private Duration queryTimeout;
        private String defaultPassScheme;

        private Builder(DataSource dataSource, String query, boolean ownsDataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.query = Objects.requireNonNull(query, "query");
            this.ownsDataSource = ownsDataSource;
        }

        /**
         * @param threads how many queries may run at once; default {@value #DEFAULT_THREADS}. A pool
         *                behind the DataSource should allow at least as many connections.
         * @return this builder
         */
        public Builder threads(int threads) {
            requireUnset(this.threads != 0, "threads");
            if (threads < 1) {
                throw new IllegalArgumentException("threads: must be at least 1: " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * @param queueSize how many lookups may wait for a thread before lookups fail temporarily;
         *                  default {@value #DEFAULT_QUEUE_SIZE}
         * @return this builder
         */
        public Builder queueSize(int queueSize) {
            requireUnset(this.queueSize != 0, "queueSize");
            if (queueSize < 1) {
                throw new IllegalArgumentException("queueSize: must be at least 1: " + queueSize);
            }
            this.queueSize = queueSize;
            return this;
        }

        /**
         * @param queryTimeout the longest a lookup may take, waiting for a thread and a connection
         *                     included; the driver gets it too, in whole seconds, as the statement's query
         *                     timeout. Default {@value #DEFAULT_QUERY_TIMEOUT_SECONDS} seconds
         * @return this builder
         */
        public Builder queryTimeout(Duration queryTimeout) {
            requireUnset(this.queryTimeout != null, "queryTimeout");
            Objects.requireNonNull(queryTimeout, "queryTimeout");
            if (queryTimeout.isNegative() || queryTimeout.isZero()) {
                throw new IllegalArgumentException("queryTimeout: must be positive: " + queryTimeout);
            }
            this.queryTimeout = queryTimeout;
            return this;
        }

        /**
         * @param scheme Dovecot's {@code default_pass_scheme}: put as {@code {SCHEME}} before a
         *               {@code password} value that names no scheme; default none
         * @return this builder
         */
        public Builder defaultPassScheme(String scheme) {
            requireUnset(this.defaultPassScheme != null, "defaultPassScheme");
            Objects.requireNonNull(scheme, "defaultPassScheme");
            if (!scheme.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("defaultPassScheme: not a scheme name: " + scheme);
            }
            this.defaultPassScheme = scheme;
            return this;
        }

        /**
         * @return the PassDb; its executor starts threads on demand
         * @throws IllegalArgumentException if the query uses an unknown variable (the message names it)
         *                                  or cannot be read
         */
        public JdbcPassDb build() {
            return new JdbcPassDb(withDefaults());
        }

        private Builder withDefaults() {
            if (threads == 0) {
                threads = DEFAULT_THREADS;
            }
            if (queueSize == 0) {
                queueSize = DEFAULT_QUEUE_SIZE;
            }
            if (queryTimeout == null) {
                queryTimeout = Duration.ofSeconds(DEFAULT_QUERY_TIMEOUT_SECONDS);
            }
            return this;
        }

        private static void requireUnset(boolean set, String name) {
            if (set) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
