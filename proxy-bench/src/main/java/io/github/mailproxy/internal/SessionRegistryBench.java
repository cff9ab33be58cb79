package io.github.mailproxy.internal;

import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The live-session registry of issue 14 with 100,000 sessions: registering and unregistering one
 * session (what every accept and close pays), and a full {@link SessionRegistry#snapshot()} (what one
 * {@code ProxyServer.sessions()} call, an admin page refresh, pays). The entries are stand-ins with the
 * engine's real {@link SessionStatus}. {@link #main} prints the heap the registry and the statuses
 * retain per session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SessionRegistryBench {

    /** Sessions registered. */
    @Param("100000")
    public int sessions;

    private SessionRegistry<Stub> registry;
    private Stub extra;

    /** A registered session as the registry sees it, with the engine's per-session status. */
    static final class Stub implements SessionRegistry.Entry {
        private final String id;
        private final InetSocketAddress client;
        private final String user;
        private final SessionStatus status = new SessionStatus(Ticker.systemTicker());

        Stub(int n) {
            this.id = Integer.toString(n, 36) + "xxxxxxx";  // as long as the engine's 12-character ids
            this.client = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1024 + n % 60000);
            this.user = "user" + n;
            status.state(SessionInfo.State.PROXYING);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public SessionInfo info() {
            return status.info(id, "imap", user, client, 100, 2000);
        }

        @Override
        public void kick(String reason) {
        }
    }

    /** Fills the registry. */
    @Setup
    public void setUp() {
        registry = new SessionRegistry<>();
        for (int i = 0; i < sessions; i++) {
            registry.add(new Stub(i));
        }
        extra = new Stub(sessions);
    }

    /** @return the registry after one session came and went */
    @Benchmark
    public int registerAndUnregister() {
        registry.add(extra);
        registry.remove(extra);
        return registry.size();
    }

    /** @return a snapshot of every session */
    @Benchmark
    public List<SessionInfo> snapshot() {
        return registry.snapshot();
    }

    /**
     * Prints the heap retained per session by the registry entry and the session's status (the
     * stand-in's own fields excluded).
     *
     * @param args the number of sessions, default 100000
     */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        List<Stub> stubs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            stubs.add(new Stub(i));
        }
        long before = usedAfterGc();
        SessionRegistry<Stub> registry = new SessionRegistry<>();
        List<SessionStatus> statuses = new ArrayList<>(n);
        for (Stub s : stubs) {
            registry.add(s);
            statuses.add(new SessionStatus(Ticker.systemTicker()));
        }
        long after = usedAfterGc();
        long list = 16L + 4L * n;  // the statuses list's array, compressed references
        System.out.printf("sessions=%d registry+status bytes=%d per_session=%.0f%n", n, after - before - list,
                (after - before - list) / (double) n);
        if (registry.size() != n || statuses.size() != n) {
            throw new AssertionError("kept alive until measured");
        }
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
