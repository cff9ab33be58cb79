package io.github.mailproxy.passdb.jdbc;

import java.util.Locale;

/** Dovecot's case modifiers, written between {@code %} and the letter: {@code %Lu}, {@code %Ud}. */
enum Modifier {
    /** The value as it is. */
    NONE,
    /** {@code %L}: lower case. */
    LOWER,
    /** {@code %U}: upper case. */
    UPPER;

    static Modifier of(char c) {
        return switch (c) {
            case 'L' -> LOWER;
            case 'U' -> UPPER;
            default -> NONE;
        };
    }

    String apply(String value) {
        return switch (this) {
            case NONE -> value;
            case LOWER -> value.toLowerCase(Locale.ROOT);
            case UPPER -> value.toUpperCase(Locale.ROOT);
        };
    }
}
