package io.github.mailproxy.bench;

import io.github.mailproxy.bench.Results.Metric;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The end-to-end load benchmark (issue 8). Starts on loopback a private Dovecot as backend, Dovecot
 * as a proxy in front of it, nginx's mail proxy in front of it and mailproxy (its own JVM) in front of
 * it; warms them up; runs every workload against each, interleaved round by round; prints one table
 * (median and min–max of the rounds) and the targets. Then, alone, 10,000 idle sessions through
 * mailproxy to a minimal backend.
 *
 * <p>Run it with {@code proxy-bench/run-bench.sh}, which installs Dovecot and nginx when absent.
 * Options: {@code --rounds N --seconds S --warmup S --idle N --capacity N --users N --workloads
 * imap,pop3,relay,idle,capacity --servers direct,mailproxy,dovecot-proxy,nginx --retention-wait S --keep}; for
 * diagnosis {@code --threads} (user/system CPU per login, CPU per mailproxy thread) and {@code --histo DIR}
 * (class histograms around the idle workload); {@code -Dbench.jvmOptions=...} adds options to the JVMs it starts
 * (for example {@code -XX:StartFlightRecording=filename=/tmp/mp.jfr}).
 */
public final class LoadBench {

    static final String DIRECT = "direct";
    static final String MAILPROXY = "mailproxy";
    static final String DOVECOT = "dovecot-proxy";
    static final String NGINX = "nginx";
    private static final int MAIL_UID = 5000;

    private final Map<String, String> options;
    private final int rounds;
    private final double seconds;
    private final Set<String> workloads;
    private final List<String> serverNames;
    private final Results results;
    private final Map<String, Proxy> servers = new LinkedHashMap<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private List<String> users;

    private LoadBench(Map<String, String> options) {
        this.options = options;
        this.rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        this.seconds = Double.parseDouble(options.getOrDefault("seconds", "5"));
        this.workloads = new HashSet<>(List.of(
                options.getOrDefault("workloads", "imap,pop3,relay,idle,capacity").split(",")));
        this.serverNames = List.of(options.getOrDefault("servers", DIRECT + "," + MAILPROXY + "," + DOVECOT
                + "," + NGINX).split(","));
        this.results = new Results(serverNames);
    }

    /**
     * Runs the benchmark and prints the table.
     *
     * @param args options, see the class comment
     * @throws Exception when a server cannot be started
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].replaceFirst("^--", "");
            options.put(key, key.equals("keep") || key.equals("threads") ? "true" : args[++i]);
        }
        new LoadBench(options).run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory("mpbench-");
        // Dovecot's mail processes (uid 5000) and login processes must traverse it
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.println("work directory: " + tmp);
        Thread cleanup = new Thread(this::stopAll);
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            startServers(tmp);
            warmUp();
            for (int r = 0; r < rounds; r++) {
                System.out.printf(Locale.ROOT, "round %d of %d%n", r + 1, rounds);
                List<Proxy> order = new ArrayList<>(servers.values());
                Collections.rotate(order, -r); // interleaved: a different server goes first each round
                for (Proxy p : order) {
                    round(p);
                }
            }
            // Idle last: 1000 sessions leave 1000 idle imap processes in the backend, and every later
            // connection would wake them all (one listening socket), slowing whatever came next.
            if (workloads.contains("idle")) {
                awaitRetainedSessionsExpired();
                for (int r = 0; r < rounds; r++) {
                    System.out.printf(Locale.ROOT, "idle round %d of %d%n", r + 1, rounds);
                    List<Proxy> order = new ArrayList<>(servers.values());
                    order.remove(servers.get(DIRECT));
                    Collections.rotate(order, -r);
                    for (Proxy p : order) {
                        idle(p, Integer.parseInt(options.getOrDefault("idle", "1000")), r == 0);
                    }
                }
            }
            stopAll();
            if (workloads.contains("capacity")) {
                capacity(tmp);
            }
        } finally {
            stopAll();
        }
        System.out.println();
        System.out.println(results.table(MAILPROXY, serverNames.stream()
                .filter(s -> s.equals(DOVECOT) || s.equals(NGINX)).toList()));
        System.out.println(Targets.evaluate(results));
        System.out.printf(Locale.ROOT, "rounds: %d, %.0f s per measurement, total run %.0f s%n",
                rounds, seconds, (System.nanoTime() - t0) / 1e9);
        if (!options.containsKey("keep")) {
            new ProcessBuilder("rm", "-rf", tmp.toString()).inheritIO().start().waitFor();
        }
    }

    private void startServers(Path tmp) throws Exception {
        Path mail = Files.createDirectories(tmp.resolve("mail"));
        users = Seed.write(tmp.resolve("users"), mail, Integer.parseInt(options.getOrDefault("users", "100")),
                MAIL_UID);
        int bImap = freePort();
        int bPop3 = freePort();
        Dovecot backend = Dovecot.backend(Files.createDirectories(tmp.resolve("backend")), bImap, bPop3,
                tmp.resolve("users"), mail, MAIL_UID);
        started.add(backend);
        if (serverNames.contains(DIRECT)) {
            servers.put(DIRECT, backend);
        }
        if (serverNames.contains(MAILPROXY)) {
            int imap = freePort();
            int pop3 = freePort();
            servers.put(MAILPROXY, add(JvmProcess.start(MAILPROXY, tmp.resolve("mailproxy.log"), imap, pop3,
                    MailproxyMain.class, Integer.toString(imap), Integer.toString(pop3),
                    Integer.toString(bImap), Integer.toString(bPop3))));
        }
        if (serverNames.contains(DOVECOT)) {
            servers.put(DOVECOT, add(Dovecot.proxy(Files.createDirectories(tmp.resolve("dovecot-proxy")),
                    freePort(), freePort(), bImap, bPop3, MAIL_UID)));
        }
        if (serverNames.contains(NGINX)) {
            servers.put(NGINX, add(Nginx.start(Files.createDirectories(tmp.resolve("nginx")), freePort(),
                    freePort(), bImap, bPop3)));
        }
        System.out.println("started: " + servers.keySet());
    }

    private Proxy add(Proxy p) {
        started.add(p);
        return p;
    }

    private void stopAll() {
        stopAll(started);
    }

    /** Stops what was started, last first, and forgets it. */
    static void stopAll(List<AutoCloseable> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("stopping: " + e);
            }
        }
        started.clear();
    }

    /** Every workload once, unrecorded: JIT-compiles the JVM, fills Dovecot's indexes and caches. */
    private void warmUp() throws IOException {
        double jvmWarm = Double.parseDouble(options.getOrDefault("warmup", "15"));
        System.out.printf(Locale.ROOT, "warm-up: %.0f s of logins per protocol for mailproxy (JIT), up to 5 s for"
                + " the others (caches, indexes)%n", jvmWarm);
        for (Proxy p : servers.values()) {
            double warm = p instanceof JvmProcess ? jvmWarm : Math.min(5, jvmWarm);
            if (workloads.contains("imap") || workloads.contains("idle")) {
                loop(p.imap(), 50, i -> Exchange.imapLoginLoop(user(i), Seed.PASSWORD), warm);
            }
            if (workloads.contains("pop3")) {
                loop(p.pop3(), 50, i -> Exchange.pop3LoginLoop(user(i), Seed.PASSWORD), warm);
            }
            if (workloads.contains("relay")) {
                try (RelayClient c = new RelayClient(p.imap(), Seed.BIG_USER, Seed.PASSWORD)) {
                    long end = System.nanoTime() + (long) (warm / 2 * 1e9);
                    while (System.nanoTime() < end) {
                        c.fetch();
                    }
                }
            }
        }
    }

    private void round(Proxy p) throws IOException {
        for (int clients : new int[] {1, 50}) {
            if (workloads.contains("imap")) {
                logins(p, "IMAP", clients, p.imap(), i -> Exchange.imapLoginLoop(user(i), Seed.PASSWORD));
            }
            if (workloads.contains("pop3")) {
                logins(p, "POP3", clients, p.pop3(), i -> Exchange.pop3LoginLoop(user(i), Seed.PASSWORD));
            }
        }
        if (workloads.contains("relay")) {
            relay(p);
        }
    }

    private void logins(Proxy p, String protocol, int clients, InetSocketAddress address,
                        IntFunction<List<Exchange>> script) throws IOException {
        String w = protocol + " logins, C=" + clients;
        List<Long> pids = p.costPids();
        Map<String, Double> threadsBefore = options.containsKey("threads") && p instanceof JvmProcess
                ? ProcStats.threadCpu(pids.get(0)) : null;
        Map<Long, Double> before = ProcStats.cpu(pids);
        double[] usBefore = ProcStats.userSystem(pids);
        ScriptedClients.LoopResult r = loop(address, clients, script, seconds);
        if (options.containsKey("threads")) {
            double[] us = ProcStats.userSystem(pids);
            System.out.printf(Locale.ROOT, "      user %.0f µs, system %.0f µs per login%n",
                    (us[0] - usBefore[0]) / r.completed() * 1e6, (us[1] - usBefore[1]) / r.completed() * 1e6);
        }
        if (threadsBefore != null) {
            Map<String, Double> after = ProcStats.threadCpu(pids.get(0));
            after.forEach((name, s) -> {
                double d = s - threadsBefore.getOrDefault(name, 0.0);
                if (d > 0) {
                    System.out.printf(Locale.ROOT, "      thread %-18s %.2f s%n", name, d);
                }
            });
        }
        Set<Long> all = new HashSet<>(pids);
        all.addAll(p.costPids());
        double cpu = ProcStats.cpuDelta(before, ProcStats.cpu(all));
        results.add(new Metric(w, "logins per second", "1/s", 0), p.name, r.perSecond());
        results.add(new Metric(w, "latency p50", "ms", 2), p.name, percentile(r.latencyNanos(), 0.50) / 1e6);
        results.add(new Metric(w, "latency p99", "ms", 2), p.name, percentile(r.latencyNanos(), 0.99) / 1e6);
        if (!p.name.equals(DIRECT)) {
            results.add(new Metric(w, "proxy CPU per login", "µs", 0), p.name, cpu / r.completed() * 1e6);
        }
        results.add(new Metric(w, "failed logins", "count", 0), p.name, r.failed());
        System.out.printf(Locale.ROOT, "  %-14s %-17s %7.0f/s p50 %.2f ms p99 %.2f ms cpu %.2f s failed %d%n",
                p.name, w, r.perSecond(), percentile(r.latencyNanos(), 0.5) / 1e6,
                percentile(r.latencyNanos(), 0.99) / 1e6, cpu, r.failed());
    }

    private static ScriptedClients.LoopResult loop(InetSocketAddress address, int clients,
                                                   IntFunction<List<Exchange>> script, double seconds)
            throws IOException {
        try (ScriptedClients sc = new ScriptedClients(address)) {
            return sc.loop(clients, script, seconds);
        }
    }

    private void relay(Proxy p) throws IOException {
        String w = "IMAP relay, 10 MiB FETCH";
        try (RelayClient c = new RelayClient(p.imap(), Seed.BIG_USER, Seed.PASSWORD)) {
            List<Long> pids = p.costPids();
            Map<Long, Double> before = ProcStats.cpu(pids);
            long start = System.nanoTime();
            long bytes = 0;
            long end = start + (long) (seconds * 1e9);
            do {
                bytes += c.fetch();
            } while (System.nanoTime() < end);
            double elapsed = (System.nanoTime() - start) / 1e9;
            double cpu = ProcStats.cpuDelta(before, ProcStats.cpu(pids));
            double mb = bytes / 1e6;
            results.add(new Metric(w, "throughput", "MB/s", 0), p.name, mb / elapsed);
            if (!p.name.equals(DIRECT)) {
                results.add(new Metric(w, "proxy CPU per MB", "ms", 3), p.name, cpu / mb * 1e3);
            }
            System.out.printf(Locale.ROOT, "  %-14s %-17s %7.0f MB/s cpu %.2f s%n", p.name, "relay", mb / elapsed,
                    cpu);
        }
    }

    private void idle(Proxy p, int sessions, boolean measureHeap) throws IOException {
        String w = "IMAP idle, " + sessions + " sessions";
        List<Long> pids = p.costPids();
        boolean heap = measureHeap && p instanceof JvmProcess;
        // a full GC (jcmd) before PSS is read, never between the two PSS readings
        long heapBefore = heap ? ProcStats.liveHeap(pids.get(0)) : -1;
        histogram(p, "before");
        long before = ProcStats.pss(pids);
        long heapWith = -1;
        int held;
        try (ScriptedClients sc = new ScriptedClients(p.imap())) {
            held = sc.open(sessions, 50, i -> Exchange.imapLogin(user(i), Seed.PASSWORD));
            Set<Long> all = new HashSet<>(pids);
            all.addAll(p.costPids());
            long after = ProcStats.pss(all);
            if (heap) {
                heapWith = ProcStats.liveHeap(pids.get(0));
            }
            histogram(p, "with");
            int alive = sc.runOnHeld(Exchange.imapNoop());
            results.add(new Metric(w, "proxy memory per session (PSS)", "KB", 1), p.name,
                    (after - before) / 1024.0 / Math.max(1, held));
            results.add(new Metric(w, "alive after NOOP", "sessions", 0), p.name, alive);
            System.out.printf(Locale.ROOT, "  %-14s %-17s held %d, alive %d, %.1f KB/session%n", p.name, "idle",
                    held, alive, (after - before) / 1024.0 / Math.max(1, held));
        }
        if (heapWith >= 0) {
            results.add(new Metric(w, "live Java heap per session", "KB", 1), p.name,
                    (heapWith - heapBefore) / 1024.0 / Math.max(1, held));
            System.out.printf(Locale.ROOT, "  %-14s live heap %d B before, %d B with %d sessions%n", p.name,
                    heapBefore, heapWith, held);
        }
    }

    /**
     * mailproxy's event loop keeps a cancelled timer, and through it the closed session, until the
     * timer's deadline (the 60 s login timeout); sessions closed shortly before a memory measurement
     * would be freed during it and hide the new sessions' memory. So wait them out once.
     */
    private void awaitRetainedSessionsExpired() {
        if (!servers.containsKey(MAILPROXY)) {
            return;
        }
        long seconds = Long.parseLong(options.getOrDefault("retention-wait", "62"));
        System.out.printf(Locale.ROOT, "waiting %d s for closed sessions retained by mailproxy's timers to expire%n",
                seconds);
        try {
            Thread.sleep(seconds * 1000); // the proxy's own timers decide; there is nothing to await
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Diagnosis: {@code --histo DIR} writes the JVM's class histogram at each step of the idle workload. */
    private void histogram(Proxy p, String step) {
        if (!options.containsKey("histo") || !(p instanceof JvmProcess)) {
            return;
        }
        try {
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(p.process.pid()), "GC.class_histogram")
                    .redirectOutput(Path.of(options.get("histo"), "histo-" + step + ".txt").toFile())
                    .start().waitFor();
        } catch (IOException e) {
            System.err.println("histogram: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the JVM's live heap once the sessions just closed are gone (the proxy closes them asynchronously) */
    private static long awaitSessionsClosed(Proxy p) {
        long heap = ProcStats.liveHeap(p.process.pid());
        for (int i = 0; i < 20; i++) {
            long again = ProcStats.liveHeap(p.process.pid());
            if (again >= heap - 4096) {
                return Math.min(heap, again);
            }
            heap = again;
        }
        return heap;
    }

    /** 10,000 idle sessions through mailproxy to a minimal backend, as many as the file limit allows. */
    private void capacity(Path tmp) throws Exception {
        long limit = ProcStats.openFileLimit();
        // the proxy holds two sockets per session; leave room for its jars and selectors
        int sessions = (int) Math.min(Integer.parseInt(options.getOrDefault("capacity", "10000")), (limit - 200) / 2);
        String w = "IMAP idle, " + sessions + " sessions (minimal backend)";
        System.out.printf(Locale.ROOT, "capacity: %d sessions (open-file limit %d)%n", sessions, limit);
        int mini = freePort();
        started.add(JvmProcess.start("mini-backend", tmp.resolve("mini-backend.log"), mini, mini,
                MiniImapBackend.class, Integer.toString(mini)));
        int imap = freePort();
        int pop3 = freePort();
        JvmProcess mp = JvmProcess.start("mailproxy-capacity", tmp.resolve("mailproxy-capacity.log"), imap, pop3,
                MailproxyMain.class, Integer.toString(imap), Integer.toString(pop3), Integer.toString(mini),
                Integer.toString(mini));
        started.add(mp);
        loop(mp.imap(), 50, i -> Exchange.imapLoginLoop(user(i), Seed.PASSWORD),
                Double.parseDouble(options.getOrDefault("warmup", "15")));
        servers.put(MAILPROXY, mp);
        awaitRetainedSessionsExpired();
        long heapBefore = ProcStats.liveHeap(mp.process.pid());
        long before = ProcStats.pss(mp.costPids());
        try (ScriptedClients sc = new ScriptedClients(mp.imap())) {
            long t = System.nanoTime();
            int held = sc.open(sessions, 200, i -> Exchange.imapLogin(user(i), Seed.PASSWORD));
            double openSeconds = (System.nanoTime() - t) / 1e9;
            long after = ProcStats.pss(mp.costPids());
            long heapAfter = ProcStats.liveHeap(mp.process.pid());
            results.add(new Metric(w, "live Java heap per session", "KB", 1), MAILPROXY,
                    (heapAfter - heapBefore) / 1024.0 / Math.max(1, held));
            int alive = sc.runOnHeld(Exchange.imapNoop());
            results.add(new Metric(w, "held", "sessions", 0), MAILPROXY, held);
            results.add(new Metric(w, "alive after NOOP", "sessions", 0), MAILPROXY, alive);
            results.add(new Metric(w, "proxy memory per session (PSS)", "KB", 1), MAILPROXY,
                    (after - before) / 1024.0 / Math.max(1, held));
            System.out.printf(Locale.ROOT, "  capacity: held %d in %.1f s, alive after NOOP %d, %.1f KB/session%n",
                    held, openSeconds, alive, (after - before) / 1024.0 / Math.max(1, held));
        }
        stopAll();
    }

    private String user(int i) {
        return users.get(i % users.size());
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1 < 0 ? 0
                : (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static int nextPort = 21000;

    /** @return a free loopback port below the ephemeral range, so no client socket ever holds it */
    static int freePort() throws IOException {
        while (nextPort < 32000) {
            int port = nextPort++;
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                // taken: try the next
            }
        }
        throw new IOException("no free port in 21000-32000");
    }
}
