package io.github.mailproxy.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict logfmt parser for tests: {@code key=value} pairs separated by single spaces; a key is
 * ASCII letters, digits, {@code _} and {@code .}; a value is bare (no space, {@code "}, {@code =} or
 * control character) or double-quoted with the escapes {@code \" \\ \n \r \t \}{@code uXXXX}. It
 * rejects what a lenient parser would guess at — unbalanced quotes, unknown escapes, raw control
 * characters, a key given twice — because guessing is how a forged field gets read.
 */
public final class LogfmtParser {

    private LogfmtParser() {
    }

    /**
     * @param line one log message, without its line end
     * @return the fields in order; a quoted value unescaped
     * @throws IllegalArgumentException if the line is not strict logfmt
     */
    public static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            if (eq <= i) {
                throw bad(line, i, "expected key=");
            }
            String key = line.substring(i, eq);
            if (!key.matches("[A-Za-z0-9_.]+")) {
                throw bad(line, i, "bad key");
            }
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= line.length()) {
                        throw bad(line, i, "unbalanced quote");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                        throw bad(line, i - 1, "raw control character in a quoted value");
                    }
                    if (c != '\\') {
                        value.append(c);
                        continue;
                    }
                    if (i >= line.length()) {
                        throw bad(line, i, "escape at the end");
                    }
                    char e = line.charAt(i++);
                    switch (e) {
                        case '"', '\\' -> value.append(e);
                        case 'n' -> value.append('\n');
                        case 'r' -> value.append('\r');
                        case 't' -> value.append('\t');
                        case 'u' -> {
                            if (i + 4 > line.length() || !line.substring(i, i + 4).matches("[0-9A-Fa-f]{4}")) {
                                throw bad(line, i, "bad \\u escape");
                            }
                            value.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw bad(line, i - 1, "unknown escape \\" + e);
                    }
                }
            } else {
                int start = i;
                while (i < line.length() && line.charAt(i) != ' ') {
                    char c = line.charAt(i);
                    if (c == '"' || c == '=' || c < 0x21 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                        throw bad(line, i, "character not allowed in a bare value");
                    }
                    i++;
                }
                if (i == start) {
                    throw bad(line, i, "empty bare value");
                }
                value.append(line, start, i);
            }
            if (fields.put(key, value.toString()) != null) {
                throw bad(line, i, "key " + key + " given twice");
            }
            if (i < line.length()) {
                if (line.charAt(i) != ' ' || i + 1 == line.length()) {
                    throw bad(line, i, "expected one space before the next key");
                }
                i++;
            }
        }
        return fields;
    }

    /**
     * @param captured what slf4j-simple wrote ({@code [thread] LEVEL logger - message} lines), e.g. from
     *                 {@link io.github.mailproxy.scheme.LogCapture#text()}
     * @param logger   the logger's name
     * @return the messages that logger wrote, in order
     */
    public static List<String> messages(String captured, String logger) {
        String marker = " " + logger + " - ";
        return captured.lines()
                .filter(l -> l.contains(marker))
                .map(l -> l.substring(l.indexOf(marker) + marker.length()))
                .toList();
    }

    private static IllegalArgumentException bad(String line, int at, String why) {
        return new IllegalArgumentException(why + " at " + at + " in: " + line);
    }
}
