package io.github.mailproxy.micrometer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the Prometheus text exposition format (version 0.0.4) into samples keyed by
 * {@code name{label="value",...}} with the labels sorted, so that tests look series up exactly.
 */
final class PrometheusText {

    private PrometheusText() {
    }

    /**
     * @param text a scrape
     * @return each sample's value by its key
     * @throws IllegalArgumentException on a line that is not a comment, blank or a sample
     */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int end = line.lastIndexOf('}');
                labels(line.substring(brace + 1, end), labels);
            } else {
                name = line.substring(0, space);
            }
            if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
                throw new IllegalArgumentException("not a sample: " + line);
            }
            samples.put(key(name, labels), Double.parseDouble(line.substring(space + 1).replace("Inf", "Infinity")));
        }
        return samples;
    }

    /**
     * @param name   a metric name
     * @param labels its labels as {@code k, v, k, v...}
     * @return the key {@link #parse} gives that series
     */
    static String key(String name, String... labels) {
        Map<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            sorted.put(labels[i], labels[i + 1]);
        }
        return key(name, sorted);
    }

    private static String key(String name, Map<String, String> labels) {
        StringBuilder s = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> s.append(k).append("=\"").append(v).append("\","));
        return s.append('}').toString();
    }

    /** Reads {@code k="v",k2="v2"} with the format's escapes ({@code \\ \" \n}). */
    private static void labels(String text, Map<String, String> into) {
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            String label = text.substring(i, eq).strip();
            if (text.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("label value not quoted: " + text);
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; text.charAt(j) != '"'; j++) {
                char c = text.charAt(j);
                if (c == '\\') {
                    char next = text.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            into.put(label, value.toString());
            i = j + 1;
            while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
                i++;
            }
        }
    }
}
