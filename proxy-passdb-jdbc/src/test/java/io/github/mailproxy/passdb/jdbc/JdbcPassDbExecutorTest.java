package io.github.mailproxy.passdb.jdbc;

import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.lookup;
import static io.github.mailproxy.passdb.jdbc.JdbcPassDbDatabaseTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.testing.Await;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PassDb's own executor: off the caller's thread, bounded, with a deadline, closable. On H2. */
class JdbcPassDbExecutorTest {

    private HikariDataSource h2;
    private GatedDataSource gated;
    private JdbcPassDb passDb;

    @BeforeEach
    void open() throws SQLException {
        h2 = TestDatabase.H2.open("mp_jdbc_executor_test");
        gated = new GatedDataSource(h2);
    }

    @AfterEach
    void close() {
        gated.open();
        if (passDb != null) {
            passDb.close();
        }
        h2.close();
    }

    @Test
    void lookupsRunOnThePassDbsOwnThreads() {
        gated.open();
        passDb = new JdbcPassDb(gated, TestDatabase.H2.seedQuery());

        assertThat(lookup(passDb, request("john")).isFound()).isTrue();
        assertThat(gated.threads).allMatch(name -> name.startsWith("mailproxy-jdbc-"));
    }

    @Test
    void aLookupReturnsAtOnceWhileTheDatabaseHangsSoItDeclaresItselfNonBlocking() {
        passDb = new JdbcPassDb(gated, TestDatabase.H2.seedQuery());

        CompletableFuture<PassDbResult> pending = passDb.lookup(request("john")).toCompletableFuture();

        assertThat(pending).as("the query waits on the PassDb's own thread").isNotDone();
        assertThat(passDb.nonBlocking()).as("so the proxy may call it on an event loop").isTrue();
        gated.open();
        assertThat(pending.orTimeout(10, TimeUnit.SECONDS).join().isFound()).isTrue();
    }

    @Test
    void whenThreadsAndQueueAreFullALookupFailsTemporarilyAtOnce() {
        passDb = JdbcPassDb.builder(gated, TestDatabase.H2.seedQuery())
                .threads(1).queueSize(1).queryTimeout(Duration.ofSeconds(30)).build();

        CompletableFuture<PassDbResult> running = passDb.lookup(request("john")).toCompletableFuture();
        Await.until("the first lookup holds the only thread", Duration.ofSeconds(10), () -> gated.entered.get() == 1);
        CompletableFuture<PassDbResult> queued = passDb.lookup(request("joe")).toCompletableFuture();
        CompletableFuture<PassDbResult> refused = passDb.lookup(request("john")).toCompletableFuture();

        assertThat(refused).isDone();
        assertThat(refused.join().status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(refused.join().failureReason()).contains("too many");
        assertThat(running).isNotDone();
        assertThat(queued).isNotDone();

        gated.open();
        assertThat(running.orTimeout(10, TimeUnit.SECONDS).join().field("host")).contains("10.0.0.1");
        assertThat(queued.orTimeout(10, TimeUnit.SECONDS).join().field("host")).contains("10.0.0.2");
    }

    @Test
    void lookupThatCannotGetAConnectionFailsTemporarilyAfterTheTimeout() {
        passDb = JdbcPassDb.builder(gated, TestDatabase.H2.seedQuery()).queryTimeout(Duration.ofMillis(300)).build();

        long start = System.nanoTime();
        PassDbResult result = lookup(passDb, request("john"));

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).contains("took longer than");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5_000L);
    }

    @Test
    void closeFailsWaitingLookupsAndLaterOnesTemporarily() {
        passDb = JdbcPassDb.builder(gated, TestDatabase.H2.seedQuery())
                .threads(1).queryTimeout(Duration.ofSeconds(30)).build();
        CompletableFuture<PassDbResult> running = passDb.lookup(request("john")).toCompletableFuture();
        Await.until("the first lookup holds the only thread", Duration.ofSeconds(10), () -> gated.entered.get() == 1);
        CompletableFuture<PassDbResult> waiting = passDb.lookup(request("joe")).toCompletableFuture();

        passDb.close();

        assertThat(waiting.join().failureReason()).contains("closed");
        assertThat(running.orTimeout(10, TimeUnit.SECONDS).join().status())
                .isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(lookup(passDb, request("john")).failureReason()).contains("closed");
    }

    @Test
    void defaultPassSchemeGoesBeforeAPasswordThatNamesNone() {
        gated.open();
        passDb = JdbcPassDb.builder(gated, "SELECT CASE WHEN \"user\" = 'john' THEN 'secret' ELSE '{SHA}abc' END "
                + "AS password FROM proxy WHERE \"user\" = '%u'").defaultPassScheme("PLAIN").build();

        assertThat(lookup(passDb, request("john")).field("password")).contains("{PLAIN}secret");
        assertThat(lookup(passDb, request("joe")).field("password")).contains("{SHA}abc");
    }

    @Test
    void builderChecksEachOptionAtOnce() {
        JdbcPassDb.Builder b = JdbcPassDb.builder(gated, "SELECT 1");

        assertThatThrownBy(() -> b.threads(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
        assertThatThrownBy(() -> b.queueSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueSize");
        assertThatThrownBy(() -> b.queryTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queryTimeout");
        assertThatThrownBy(() -> b.defaultPassScheme("{PLAIN}")).isInstanceOf(IllegalArgumentException.class);
        b.threads(2);
        assertThatThrownBy(() -> b.threads(3)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
        assertThatThrownBy(() -> JdbcPassDb.builder(null, "SELECT 1")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsTheQueryAndItsSql() {
        passDb = new JdbcPassDb(gated, TestDatabase.H2.seedQuery());

        assertThat(passDb.toString()).contains("'%u'").contains("= ?").contains("threads=4").contains("queueSize=256");
    }

    /** A DataSource that holds every caller at the door until the test opens it. */
    private static final class GatedDataSource implements DataSource {
        final AtomicInteger entered = new AtomicInteger();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        private final CountDownLatch gate = new CountDownLatch(1);
        private final DataSource delegate;

        GatedDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        void open() {
            gate.countDown();
        }

        @Override
        public Connection getConnection() throws SQLException {
            threads.add(Thread.currentThread().getName());
            entered.incrementAndGet();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new SQLException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted at the gate", "08000", e);
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
