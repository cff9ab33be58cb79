package io.github.mailproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the settings files Dovecot's SQL and LDAP passdbs take ({@code dovecot-sql.conf},
 * {@code dovecot-ldap.conf.ext}): {@code key = value} lines, {@code #} comment lines, a line ending in a
 * backslash continued on the next; a value in double quotes loses them.
 *
 * <p>Errors about a line give its number, never its text: a password pasted on a line of its own, or one
 * with an {@code =} in it, would otherwise be echoed into a log or a terminal.
 *
 * <pre>{@code
 * Map<String, String> settings = DovecotSettings.parse(text, "dovecot-ldap.conf.ext", Set.of("hosts", "base"));
 * }</pre>
 */
public final class DovecotSettings {

    private DovecotSettings() {
    }

    /**
     * @param text  the file's text
     * @param file  what to call the file in errors, such as {@code dovecot-sql.conf}
     * @param known the keys the file may set
     * @return key to value, in the file's order
     * @throws IllegalArgumentException for a line that is not {@code key = value}, an unknown key or one
     *                                  set twice; the message names the line or the key, never a value
     */
    public static Map<String, String> parse(String text, String file, Set<String> known) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (Line line : logicalLines(text)) {
            String trimmed = line.text().strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(file + " line " + line.number()
                        + ": not a 'key = value' line (not shown: it may be a secret)");
            }
            String key = trimmed.substring(0, eq).strip();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(file + " line " + line.number()
                        + ": unknown setting (not shown: it may be a secret); known are " + new TreeSet<>(known));
            }
            String value = trimmed.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (settings.put(key, value) != null) {
                throw new IllegalArgumentException(file + " " + key + ": set twice");
            }
        }
        return settings;
    }

    /** A logical line and the number of the physical line it starts on (from 1). */
    private record Line(int number, String text) {
    }

    private static List<Line> logicalLines(String text) {
        List<Line> lines = new ArrayList<>();
        StringBuilder current = null;
        int number = 0;
        int start = 0;
        for (String raw : text.split("\r?\n", -1)) {
            number++;
            String line = current == null ? raw : raw.strip();
            boolean continues = line.endsWith("\\");
            if (continues) {
                line = line.substring(0, line.length() - 1).stripTrailing();
            }
            if (current == null) {
                current = new StringBuilder(line);
                start = number;
            } else {
                current.append(' ').append(line);
            }
            if (!continues) {
                lines.add(new Line(start, current.toString()));
                current = null;
            }
        }
        if (current != null) {
            lines.add(new Line(start, current.toString()));
        }
        return lines;
    }
}
