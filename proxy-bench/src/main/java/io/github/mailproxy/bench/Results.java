package io.github.mailproxy.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every round's figure per metric and server, and the table printed from them. */
final class Results {

    /** A metric: a row of the table. */
    record Metric(String workload, String name, String unit, int decimals) {
    }

    private final Map<Metric, Map<String, List<Double>>> values = new LinkedHashMap<>();
    private final List<String> servers;

    Results(List<String> servers) {
        this.servers = servers;
    }

    void add(Metric metric, String server, double value) {
        values.computeIfAbsent(metric, m -> new LinkedHashMap<>())
                .computeIfAbsent(server, s -> new ArrayList<>()).add(value);
    }

    /** @return the median of the rounds, or NaN when there is none */
    double median(Metric metric, String server) {
        List<Double> v = rounds(metric, server);
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(v);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** @return the metrics in the order first recorded */
    java.util.Set<Metric> metrics() {
        return values.keySet();
    }

    List<Double> rounds(Metric metric, String server) {
        return values.getOrDefault(metric, Map.of()).getOrDefault(server, List.of());
    }

    /** Markdown: median (min–max) per server, then mailproxy's ratio to each other proxy. */
    String table(String ours, List<String> others) {
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | metric |");
        servers.forEach(s -> sb.append(' ').append(s).append(" |"));
        others.forEach(o -> sb.append(' ').append(ours).append(" / ").append(o).append(" |"));
        sb.append("\n|---|---|");
        servers.forEach(s -> sb.append("---:|"));
        others.forEach(o -> sb.append("---:|"));
        sb.append('\n');
        for (Metric m : values.keySet()) {
            sb.append("| ").append(m.workload()).append(" | ").append(m.name()).append(" (").append(m.unit())
                    .append(") |");
            for (String s : servers) {
                sb.append(' ').append(cell(m, s)).append(" |");
            }
            for (String o : others) {
                double r = median(m, ours) / median(m, o);
                sb.append(' ').append(Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f", r) : "—").append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String cell(Metric m, String server) {
        List<Double> v = rounds(m, server);
        if (v.isEmpty()) {
            return "—";
        }
        String f = "%." + m.decimals() + "f";
        String med = String.format(Locale.ROOT, f, median(m, server));
        if (v.size() == 1) {
            return med;
        }
        return med + " (" + String.format(Locale.ROOT, f, Collections.min(v)) + "–"
                + String.format(Locale.ROOT, f, Collections.max(v)) + ")";
    }
}
