package io.github.mailproxy.bench;

import io.github.mailproxy.bench.Results.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TLS benchmark (issue 13): IMAPS (implicit TLS) terminated by mailproxy with the JDK's provider,
 * by mailproxy with Conscrypt, by Dovecot's proxy and by nginx's mail proxy, all in front of the same
 * private Dovecot backend (plaintext behind the proxy), with the same RSA-2048 certificate. Per round
 * and server, interleaved with the order rotated each round: one client logging in again and again
 * (a full handshake each time, no resumption) and one client fetching a 10 MiB message over one TLS
 * connection. Proxy CPU is counted as in {@link LoadBench}.
 *
 * <p>Run it with {@code proxy-bench/run-bench.sh --tls}. Options: {@code --rounds N --seconds S --warmup S}.
 */
public final class TlsBench {

    static final String MAILPROXY_JDK = "mailproxy-jdk";
    static final String MAILPROXY_CONSCRYPT = "mailproxy-conscrypt";
    private static final List<String> SERVERS = List.of(MAILPROXY_JDK, MAILPROXY_CONSCRYPT, LoadBench.DOVECOT,
            LoadBench.NGINX);
    private static final int MAIL_UID = 5000;

    private final int rounds;
    private final double seconds;
    private final double warmup;
    private final Results results = new Results(SERVERS);
    private final Map<String, Proxy> servers = new LinkedHashMap<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private List<String> users;

    private TlsBench(Map<String, String> options) {
        rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        seconds = Double.parseDouble(options.getOrDefault("seconds", "5"));
        warmup = Double.parseDouble(options.getOrDefault("warmup", "10"));
    }

    /**
     * Runs the benchmark and prints the table.
     *
     * @param args options, see the class comment
     * @throws Exception when a server cannot be started
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        new TlsBench(options).run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory("mpbench-tls-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.println("work directory: " + tmp);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
        try {
            start(tmp);
            for (Proxy p : servers.values()) {
                System.out.printf(Locale.ROOT, "warm-up %s: %.0f s%n", p.name, warmup);
                logins(p, warmup, false);
                relay(p, warmup / 2, false);
            }
            for (int r = 0; r < rounds; r++) {
                System.out.printf(Locale.ROOT, "round %d of %d%n", r + 1, rounds);
                List<Proxy> order = new ArrayList<>(servers.values());
                Collections.rotate(order, -r);
                for (Proxy p : order) {
                    logins(p, seconds, true);
                    relay(p, seconds, true);
                }
            }
        } finally {
            stopAll();
            new ProcessBuilder("rm", "-rf", tmp.toString()).inheritIO().start().waitFor();
        }
        System.out.println();
        System.out.println(results.table(MAILPROXY_CONSCRYPT, List.of(MAILPROXY_JDK, LoadBench.DOVECOT,
                LoadBench.NGINX)));
        System.out.printf(Locale.ROOT, "rounds: %d, %.0f s per measurement, total run %.0f s%n", rounds, seconds,
                (System.nanoTime() - t0) / 1e9);
    }

    private void start(Path tmp) throws Exception {
        Path mail = Files.createDirectories(tmp.resolve("mail"));
        users = Seed.write(tmp.resolve("users"), mail, 100, MAIL_UID);
        Certs certs = Certs.make(tmp);
        int bImap = LoadBench.freePort();
        int bPop3 = LoadBench.freePort();
        started.add(Dovecot.backend(Files.createDirectories(tmp.resolve("backend")), bImap, bPop3,
                tmp.resolve("users"), mail, MAIL_UID));
        for (String name : List.of(MAILPROXY_JDK, MAILPROXY_CONSCRYPT)) {
            int imap = LoadBench.freePort();
            int pop3 = LoadBench.freePort();
            add(JvmProcess.start(name, tmp.resolve(name + ".log"), imap, pop3, MailproxyMain.class,
                    Integer.toString(imap), Integer.toString(pop3), Integer.toString(bImap), Integer.toString(bPop3),
                    certs.keystore().toString(), Certs.PASSWORD, name.equals(MAILPROXY_JDK) ? "jdk" : "conscrypt"),
                    name);
        }
        add(Dovecot.proxy(Files.createDirectories(tmp.resolve("dovecot-proxy")), LoadBench.freePort(),
                LoadBench.freePort(), bImap, bPop3, MAIL_UID, certs), LoadBench.DOVECOT);
        add(Nginx.start(Files.createDirectories(tmp.resolve("nginx")), LoadBench.freePort(), LoadBench.freePort(),
                bImap, bPop3, certs), LoadBench.NGINX);
        System.out.println("started: " + servers.keySet());
    }

    private void add(Proxy p, String name) {
        started.add(p);
        servers.put(name, p);
    }

    private void stopAll() {
        LoadBench.stopAll(started);
    }

    /** One client: TLS connect (full handshake), LOGIN, SELECT INBOX, LOGOUT, again and again. */
    private void logins(Proxy p, double duration, boolean record) throws IOException {
        String w = "IMAPS logins, C=1";
        Map<Long, Double> before = ProcStats.cpu(p.costPids());
        List<Long> latencies = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (duration * 1e9);
        int i = 0;
        do {
            long t = System.nanoTime();
            try (TlsImapClient c = new TlsImapClient(p.imap(), users.get(i++ % users.size()), Seed.PASSWORD)) {
                c.command("SELECT INBOX");
            }
            latencies.add(System.nanoTime() - t);
        } while (System.nanoTime() < end);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = ProcStats.cpuDelta(before, ProcStats.cpu(p.costPids()));
        if (!record) {
            return;
        }
        Collections.sort(latencies);
        String name = nameOf(p);
        results.add(new Metric(w, "logins per second", "1/s", 0), name, latencies.size() / elapsed);
        results.add(new Metric(w, "latency p50", "ms", 2), name, latencies.get(latencies.size() / 2) / 1e6);
        results.add(new Metric(w, "proxy CPU per login", "µs", 0), name, cpu / latencies.size() * 1e6);
        System.out.printf(Locale.ROOT, "  %-20s logins %6.0f/s cpu %.2f s%n", name, latencies.size() / elapsed, cpu);
    }

    /** One TLS connection fetching the 10 MiB message again and again. */
    private void relay(Proxy p, double duration, boolean record) throws IOException {
        String w = "IMAPS relay, 10 MiB FETCH";
        try (TlsImapClient c = new TlsImapClient(p.imap(), Seed.BIG_USER, Seed.PASSWORD)) {
            c.command("SELECT INBOX");
            Map<Long, Double> before = ProcStats.cpu(p.costPids());
            long start = System.nanoTime();
            long end = start + (long) (duration * 1e9);
            long bytes = 0;
            do {
                bytes += c.fetch();
            } while (System.nanoTime() < end);
            double elapsed = (System.nanoTime() - start) / 1e9;
            double cpu = ProcStats.cpuDelta(before, ProcStats.cpu(p.costPids()));
            if (!record) {
                return;
            }
            double mb = bytes / 1e6;
            String name = nameOf(p);
            results.add(new Metric(w, "throughput", "MB/s", 0), name, mb / elapsed);
            results.add(new Metric(w, "proxy CPU per MB", "ms", 3), name, cpu / mb * 1e3);
            System.out.printf(Locale.ROOT, "  %-20s relay %6.0f MB/s cpu %.2f s%n", name, mb / elapsed, cpu);
        }
    }

    private String nameOf(Proxy p) {
        return servers.entrySet().stream().filter(e -> e.getValue() == p).findFirst().orElseThrow().getKey();
    }
}
