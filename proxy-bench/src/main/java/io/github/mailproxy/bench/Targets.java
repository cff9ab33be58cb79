package io.github.mailproxy.bench;

import static io.github.mailproxy.bench.LoadBench.DIRECT;
import static io.github.mailproxy.bench.LoadBench.DOVECOT;
import static io.github.mailproxy.bench.LoadBench.MAILPROXY;
import static io.github.mailproxy.bench.LoadBench.NGINX;

import io.github.mailproxy.bench.Results.Metric;
import java.util.Locale;

/** Issue 8's targets, checked against the medians of one run. */
final class Targets {

    private Targets() {
    }

    static String evaluate(Results r) {
        StringBuilder sb = new StringBuilder("Targets (medians of this run):\n");
        Metric relay = new Metric("IMAP relay, 10 MiB FETCH", "throughput", "MB/s", 0);
        Metric relayCpu = new Metric("IMAP relay, 10 MiB FETCH", "proxy CPU per MB", "ms", 3);
        atLeast(sb, r, relay, DIRECT, 0.95, "relay throughput >= 0.95 x direct");
        above(sb, r, relay, DOVECOT, "relay throughput > dovecot-proxy");
        atMost(sb, r, relayCpu, DOVECOT, 0.5, "CPU per MB <= 0.5 x dovecot-proxy");
        below(sb, r, relayCpu, NGINX, "CPU per MB < nginx");
        for (String protocol : new String[] {"IMAP", "POP3"}) {
            for (int c : new int[] {1, 50}) {
                Metric cpu = new Metric(protocol + " logins, C=" + c, "proxy CPU per login", "µs", 0);
                atMost(sb, r, cpu, DOVECOT, 0.5, protocol + " C=" + c + " CPU per login <= 0.5 x dovecot-proxy");
                below(sb, r, cpu, NGINX, protocol + " C=" + c + " CPU per login < nginx");
            }
            Metric rate = new Metric(protocol + " logins, C=50", "logins per second", "1/s", 0);
            atLeast(sb, r, rate, DOVECOT, 1.0, protocol + " logins/s at C=50 >= dovecot-proxy");
            atLeast(sb, r, rate, NGINX, 1.0, protocol + " logins/s at C=50 >= nginx");
        }
        for (Metric m : r.metrics()) {
            if (m.name().startsWith("proxy memory per session")) {
                // a JVM's PSS barely moves when new objects land in heap pages already resident, so
                // the live heap counts too: the larger of the two decides
                double pss = r.median(m, MAILPROXY);
                double heap = r.median(new Metric(m.workload(), "live Java heap per session", "KB", 1), MAILPROXY);
                double kb = Double.isNaN(heap) ? pss : Math.max(pss, heap);
                line(sb, m.workload() + ": memory per idle session <= 10 KB", String.format(Locale.ROOT,
                        "PSS %.1f KB, live heap %.1f KB", pss, heap), Double.isNaN(kb) ? null : kb <= 10);
            }
            if (m.name().equals("alive after NOOP") && m.workload().contains("minimal backend")) {
                Metric held = new Metric(m.workload(), "held", "sessions", 0);
                double h = r.median(held, MAILPROXY);
                double a = r.median(m, MAILPROXY);
                String note = h < 10_000 ? " (fewer than 10,000: the open-file limit; see README)" : "";
                line(sb, m.workload() + ": none lost", String.format(Locale.ROOT, "%.0f held, %.0f alive%s", h, a,
                        note), Double.isNaN(a) ? null : a == h && h > 0);
            }
        }
        return sb.toString();
    }

    private static void atLeast(StringBuilder sb, Results r, Metric m, String other, double factor, String what) {
        double ratio = r.median(m, MAILPROXY) / r.median(m, other);
        line(sb, what, ratio(ratio), Double.isFinite(ratio) ? ratio >= factor : null);
    }

    private static void above(StringBuilder sb, Results r, Metric m, String other, String what) {
        double ratio = r.median(m, MAILPROXY) / r.median(m, other);
        line(sb, what, ratio(ratio), Double.isFinite(ratio) ? ratio > 1 : null);
    }

    private static void atMost(StringBuilder sb, Results r, Metric m, String other, double factor, String what) {
        double ratio = r.median(m, MAILPROXY) / r.median(m, other);
        line(sb, what, ratio(ratio), Double.isFinite(ratio) ? ratio <= factor : null);
    }

    private static void below(StringBuilder sb, Results r, Metric m, String other, String what) {
        double ratio = r.median(m, MAILPROXY) / r.median(m, other);
        line(sb, what, ratio(ratio), Double.isFinite(ratio) ? ratio < 1 : null);
    }

    private static String ratio(double ratio) {
        return Double.isFinite(ratio) ? String.format(Locale.ROOT, "ratio %.2f", ratio) : "not measured";
    }

    private static void line(StringBuilder sb, String what, String value, Boolean met) {
        sb.append(String.format(Locale.ROOT, "  %-8s %-62s %s%n",
                met == null ? "n/a" : met ? "MET" : "MISSED", what, value));
    }
}
