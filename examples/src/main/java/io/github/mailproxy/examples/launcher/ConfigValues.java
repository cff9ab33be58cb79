package io.github.mailproxy.examples.launcher;

import java.util.Map;

/**
 * The stripped values of a launcher properties file, read through their {@link ConfigKey}'s parser.
 * Every error names the key; an empty value is an error, not an absent key. Values of password keys
 * never appear in messages.
 */
record ConfigValues(Map<String, String> values) {

    /**
     * @return the value read by the key's parser, or {@code null} when the key is absent
     * @throws ConfigException naming the key if the value is empty or not of the key's form
     */
    <T> T get(ConfigKey<T> key) {
        String value = values.get(key.key());
        if (value == null) {
            return null;
        }
        if (value.isEmpty()) {
            throw new ConfigException(key.key() + ": empty value; expected " + key.form() + " (or leave the key out)");
        }
        return key.parse(value);
    }

    boolean has(ConfigKey<?> key) {
        return values.containsKey(key.key());
    }

    /**
     * @return the value read by the key's parser
     * @throws ConfigException naming the key if it is absent (with {@code hint}), empty or malformed
     */
    <T> T required(ConfigKey<T> key, String hint) {
        T value = get(key);
        if (value == null) {
            throw new ConfigException(key.key() + ": missing; " + hint);
        }
        return value;
    }

    /** Refuses keys that the chosen kind of something does not read, rather than ignoring them. */
    void onlyWith(String condition, ConfigKey<?>... keys) {
        for (ConfigKey<?> key : keys) {
            if (has(key)) {
                throw new ConfigException(key.key() + ": only used with " + condition);
            }
        }
    }
}
