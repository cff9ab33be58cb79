package io.github.mailproxy.imap;

import io.github.mailproxy.spi.ClientInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One argument of an IMAP command (RFC 3501 section 9): an atom, a string (quoted or literal) or a
 * parenthesized list. {@link #toString()} shows the kind and size, never the value, because any
 * string may be a password.
 *
 * @param kind  what the client sent
 * @param value the atom or string value, a string's bytes decoded as {@link ClientInput#text};
 *              {@code null} for a list
 * @param items the list items; empty unless {@code kind} is {@link Kind#LIST}
 * @param bytes the bytes the client sent for the value (escapes resolved); {@code null} for a list
 */
record ImapArg(Kind kind, String value, List<ImapArg> items, byte[] bytes) {

    /** The syntactic form of an argument. */
    enum Kind {
        /** An atom, such as {@code PLAIN} or {@code NIL}. */
        ATOM,
        /** A quoted string, escapes resolved. */
        QUOTED,
        /** A literal, {@code {n}} or {@code {n+}}. */
        LITERAL,
        /** A parenthesized list. */
        LIST
    }

    ImapArg {
        Objects.requireNonNull(kind, "kind");
        items = List.copyOf(items);
        if ((kind == Kind.LIST) != (value == null) || (value == null) != (bytes == null)) {
            throw new IllegalArgumentException("a list has items, every other argument a value");
        }
        bytes = bytes == null ? null : bytes.clone();
    }

    static ImapArg atom(String value) {
        return new ImapArg(Kind.ATOM, value, List.of(), value.getBytes(StandardCharsets.US_ASCII));
    }

    static ImapArg quoted(byte[] bytes) {
        return new ImapArg(Kind.QUOTED, ClientInput.text(bytes), List.of(), bytes);
    }

    static ImapArg literal(byte[] bytes) {
        return new ImapArg(Kind.LITERAL, ClientInput.text(bytes), List.of(), bytes);
    }

    static ImapArg list(List<ImapArg> items) {
        return new ImapArg(Kind.LIST, null, items, null);
    }

    /** @return a copy of the bytes the client sent for the value, or {@code null} for a list */
    @Override
    public byte[] bytes() {
        return bytes == null ? null : bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImapArg a && kind == a.kind && Objects.equals(value, a.value) && items.equals(a.items)
                && Arrays.equals(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, value, items);
    }

    /** @return whether this is an astring (atom, quoted or literal), as LOGIN's arguments must be */
    boolean isAstring() {
        return kind != Kind.LIST;
    }

    /** @return whether this is a string (quoted or literal), or the atom NIL is not */
    boolean isString() {
        return kind == Kind.QUOTED || kind == Kind.LITERAL;
    }

    /** @return whether this is the atom {@code NIL} */
    boolean isNil() {
        return kind == Kind.ATOM && value.equalsIgnoreCase("NIL");
    }

    /** @return the value as written to a log: atoms shown, strings as their length only */
    String describe() {
        return switch (kind) {
            case ATOM -> value;
            case QUOTED -> "\"<" + value.length() + " chars>\"";
            case LITERAL -> "{<" + value.length() + " chars>}";
            case LIST -> items.stream().map(ImapArg::describe).toList().toString();
        };
    }

    @Override
    public String toString() {
        return kind == Kind.LIST ? "LIST" + describe() : kind + "(" + value.length() + " chars)";
    }
}
