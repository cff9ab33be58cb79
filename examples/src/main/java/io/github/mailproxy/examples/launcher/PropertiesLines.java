package io.github.mailproxy.examples.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits properties text into logical lines as {@link java.util.Properties#load(java.io.Reader)} does
 * (comments, blank lines, continuation by an odd number of trailing backslashes), keeping the number
 * of the line each starts on, so that the launcher can point at a line without quoting it.
 */
final class PropertiesLines {

    /**
     * A logical line that is neither blank nor a comment.
     *
     * @param number       where it starts, from 1
     * @param text         the line with its continuations joined, as one line of properties text
     * @param hasSeparator whether its key is followed by {@code =} or {@code :}, as the launcher requires
     */
    record Line(int number, String text, boolean hasSeparator) {
    }

    private PropertiesLines() {
    }

    static List<Line> of(String text) {
        String[] physical = text.split("\r\n|\r|\n", -1);
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < physical.length; i++) {
            String first = stripLeading(physical[i]);
            if (first.isEmpty() || first.charAt(0) == '#' || first.charAt(0) == '!') {
                continue;  // a comment never continues, even when it ends in a backslash
            }
            int number = i + 1;
            StringBuilder logical = new StringBuilder();
            String part = first;
            while (continues(part) && i + 1 < physical.length) {
                logical.append(part, 0, part.length() - 1);
                part = stripLeading(physical[++i]);
            }
            logical.append(continues(part) ? part.substring(0, part.length() - 1) : part);
            lines.add(new Line(number, logical.toString(), hasSeparator(logical)));
        }
        return lines;
    }

    private static boolean continues(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The key ends at the first unescaped {@code =}, {@code :} or white space, as Properties reads it. */
    private static boolean hasSeparator(CharSequence line) {
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '=' || c == ':') {
                return true;
            }
            if (isWhitespace(c)) {
                break;
            }
            i++;
        }
        while (i < line.length() && isWhitespace(line.charAt(i))) {
            i++;
        }
        return i < line.length() && (line.charAt(i) == '=' || line.charAt(i) == ':');
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && isWhitespace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\f';
    }
}
