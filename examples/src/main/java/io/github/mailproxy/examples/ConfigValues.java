package io.github.mailproxy.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stripped values of a launcher properties file, read by type. Every error names the key; an
 * empty value is an error, not an absent key. Values of password keys never appear in messages.
 */
record ConfigValues(Map<String, String> values) {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)?");

    String optional(ConfigKey key) {
        String value = values.get(key.key());
        if (value != null && value.isEmpty()) {
            throw new ConfigException(key.key() + ": empty value; expected " + key.form() + " (or leave the key out)");
        }
        return value;
    }

    boolean has(ConfigKey key) {
        return values.containsKey(key.key());
    }

    String required(ConfigKey key, String hint) {
        String value = optional(key);
        if (value == null) {
            throw new ConfigException(key.key() + ": missing; " + hint);
        }
        return value;
    }

    /** Refuses keys that the chosen kind of something does not read, rather than ignoring them. */
    void onlyWith(String condition, ConfigKey... keys) {
        for (ConfigKey key : keys) {
            if (has(key)) {
                throw new ConfigException(key.key() + ": only used with " + condition);
            }
        }
    }

    /**
     * @return the value, which must be one of {@code choices}, lower case; or {@code null} when absent
     */
    String choice(ConfigKey key, String... choices) {
        String value = optional(key);
        if (value == null) {
            return null;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (!Arrays.asList(choices).contains(lower)) {
            throw new ConfigException(key.key() + ": unknown value '" + value + "'; expected "
                    + String.join(", ", choices));
        }
        return lower;
    }

    /** @return a positive number, or {@code null} when absent */
    Integer positiveInt(ConfigKey key) {
        String value = optional(key);
        if (value == null) {
            return null;
        }
        int n = value.matches("[0-9]{1,9}") ? Integer.parseInt(value) : 0;
        if (n < 1) {
            throw new ConfigException(key.key() + ": expected a positive whole number, got '" + value + "'");
        }
        return n;
    }

    /**
     * @return a duration written as a number with an optional unit ({@code 500ms}, {@code 30s},
     *         {@code 5m}, {@code 1h}; seconds without one), or {@code null} when absent
     */
    Duration duration(ConfigKey key, boolean zeroAllowed) {
        String value = optional(key);
        if (value == null) {
            return null;
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new ConfigException(key.key() + ": expected a duration such as 30s, 5m, 1h or 500ms, got '"
                    + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero() && !zeroAllowed) {
            throw new ConfigException(key.key() + ": must be more than zero, got '" + value + "'");
        }
        return d;
    }

    /** @return true or false, or {@code null} when absent */
    Boolean bool(ConfigKey key) {
        String value = choice(key, "true", "false", "yes", "no");
        return value == null ? null : value.equals("true") || value.equals("yes");
    }

    /** @return a file that exists and can be read, or {@code null} when absent */
    Path file(ConfigKey key) {
        String value = optional(key);
        if (value == null) {
            return null;
        }
        Path path = Path.of(value);
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(key.key() + ": file not found: " + value);
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(key.key() + ": file cannot be read: " + value);
        }
        return path;
    }

    /** @return the words of a list separated by commas or spaces, or {@code null} when absent */
    List<String> list(ConfigKey key) {
        String value = optional(key);
        return value == null ? null : List.of(value.split("[\\s,]+"));
    }
}
