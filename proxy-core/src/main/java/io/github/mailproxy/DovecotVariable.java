package io.github.mailproxy;

import io.github.mailproxy.PassDb.CacheKeyPart;
import java.net.InetSocketAddress;
import java.text.ParsePosition;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Dovecot {@code %} variables of a login that a PassDb's query, filter or template may use, with
 * their short and long names: {@code %u} / {@code %{user}}, {@code %n} / {@code %{username}},
 * {@code %d} / {@code %{domain}}, {@code %s} / {@code %{service}}, {@code %r} / {@code %{rip}},
 * {@code %l} / {@code %{lip}}. {@code %L} or {@code %U} before a letter changes the value's case
 * ({@code %Lu}).
 *
 * <p>A PassDb that reads a template parses each variable with {@link #parse(String, ParsePosition)} and
 * quotes or escapes its value in the way its own language needs (a bind parameter in SQL, an RFC 4515
 * escape in an LDAP filter):
 *
 * <pre>{@code
 * ParsePosition at = new ParsePosition(template.indexOf('%'));
 * DovecotVariable.Reference ref = DovecotVariable.parse(template, at);   // at now points past it
 * String value = escape(ref.value(request));
 * }</pre>
 */
public enum DovecotVariable {
    /** {@code %u}: the user name as the client gave it. */
    USER('u', "user", CacheKeyPart.USER, AuthRequest::user),
    /** {@code %n}: the part of the user name before the first {@code @}; all of it when there is none. */
    USERNAME('n', "username", CacheKeyPart.USER, r -> {
        int at = r.user().indexOf('@');
        return at < 0 ? r.user() : r.user().substring(0, at);
    }),
    /** {@code %d}: the part of the user name after the first {@code @}; empty when there is none. */
    DOMAIN('d', "domain", CacheKeyPart.USER, r -> {
        int at = r.user().indexOf('@');
        return at < 0 ? "" : r.user().substring(at + 1);
    }),
    /** {@code %s}: the service, {@code imap} or {@code pop3}. */
    SERVICE('s', "service", CacheKeyPart.PROTOCOL, AuthRequest::protocol),
    /** {@code %r}: the client's IP address. */
    REMOTE_IP('r', "rip", CacheKeyPart.CLIENT_ADDRESS, r -> ip(r.clientAddress())),
    /** {@code %l}: the IP address the client connected to. */
    LOCAL_IP('l', "lip", CacheKeyPart.LOCAL_ADDRESS, r -> ip(r.localAddress())),
    /** The client's port (long name only). */
    REMOTE_PORT(DovecotVariable.NO_LETTER, "rport", CacheKeyPart.CLIENT_PORT,
            r -> Integer.toString(r.clientAddress().getPort())),
    /** The port the client connected to (long name only). */
    LOCAL_PORT(DovecotVariable.NO_LETTER, "lport", CacheKeyPart.LOCAL_PORT,
            r -> Integer.toString(r.localAddress().getPort())),
    /**
     * The server name the client asked for (TLS SNI, as a load balancer in front reports it in its PROXY
     * header); empty when unknown (long name only).
     */
    LOCAL_NAME(DovecotVariable.NO_LETTER, "local_name", CacheKeyPart.SERVER_NAME,
            r -> r.serverName() == null ? "" : r.serverName());

    /** The {@link #letter()} of a variable with a long name only. */
    public static final char NO_LETTER = Character.MIN_VALUE;

    private final char letter;
    private final String longName;
    private final CacheKeyPart cacheKeyPart;
    private final Function<AuthRequest, String> value;

    DovecotVariable(char letter, String longName, CacheKeyPart cacheKeyPart, Function<AuthRequest, String> value) {
        this.letter = letter;
        this.longName = longName;
        this.cacheKeyPart = cacheKeyPart;
        this.value = value;
    }

    /** @return the short name's letter, as in {@code %u}; {@link #NO_LETTER} for a variable with a long name only */
    public char letter() {
        return letter;
    }

    /** @return the long name, as in {@code %{user}} */
    public String longName() {
        return longName;
    }

    /** @return the part of a request the value comes from, for {@link PassDb#cacheKey()} */
    public CacheKeyPart cacheKeyPart() {
        return cacheKeyPart;
    }

    /**
     * @param request a login
     * @return this variable's value for it, never {@code null}
     */
    public String value(AuthRequest request) {
        return value.apply(request);
    }

    /**
     * Reads the variable that starts at {@code position} ({@code %u}, {@code %Lu}, {@code %{user}}) and
     * moves {@code position} past it. {@code %%} is not a variable: a caller handles it as a percent
     * sign before calling this.
     *
     * @param text     a template
     * @param position where a {@code %} is; on return, just after the variable
     * @return the variable and its case change
     * @throws IllegalArgumentException naming the unknown variable, or saying that a {@code %} is alone
     *                                  at the end or a {@code %{} is not closed
     */
    public static Reference parse(String text, ParsePosition position) {
        int start = position.getIndex();
        if (start >= text.length() || text.charAt(start) != '%') {
            throw new IllegalArgumentException("no '%' at offset " + start);
        }
        int pos = start + 1;
        if (pos >= text.length()) {
            throw new IllegalArgumentException("a lone '%' at the end; write %% for a percent sign");
        }
        char c = text.charAt(pos);
        if (c == '{') {
            int end = text.indexOf('}', pos);
            if (end < 0) {
                throw new IllegalArgumentException("the variable at offset " + start + " has no closing '}'");
            }
            String name = text.substring(pos + 1, end);
            DovecotVariable v = Arrays.stream(values()).filter(x -> x.longName.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown variable %{" + name + "}; known are "
                            + longNames()));
            position.setIndex(end + 1);
            return new Reference(v, LetterCase.AS_IS);
        }
        LetterCase letterCase = c == 'L' ? LetterCase.LOWER : c == 'U' ? LetterCase.UPPER : LetterCase.AS_IS;
        if (letterCase != LetterCase.AS_IS) {
            pos++;
            if (pos >= text.length()) {
                throw new IllegalArgumentException("unknown variable %" + c);
            }
            c = text.charAt(pos);
        }
        pos++;
        char letter = c;
        DovecotVariable v = letter == NO_LETTER ? null
                : Arrays.stream(values()).filter(x -> x.letter == letter).findFirst().orElse(null);
        if (v == null) {
            throw new IllegalArgumentException("unknown variable " + text.substring(start, pos) + "; known are "
                    + letters() + " (%L and %U before a letter change its case) and %% for a percent sign");
        }
        position.setIndex(pos);
        return new Reference(v, letterCase);
    }

    private static String letters() {
        return Arrays.stream(values()).filter(v -> v.letter != NO_LETTER).map(v -> "%" + v.letter)
                .collect(Collectors.joining(" "));
    }

    private static String longNames() {
        return Arrays.stream(values()).map(v -> "%{" + v.longName + "}").collect(Collectors.joining(" "));
    }

    private static String ip(InetSocketAddress address) {
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }

    /** Dovecot's case modifiers, written between {@code %} and the letter: {@code %Lu}, {@code %Ud}. */
    public enum LetterCase {
        /** The value as it is. */
        AS_IS,
        /** {@code %L}: lower case. */
        LOWER,
        /** {@code %U}: upper case. */
        UPPER;

        /**
         * @param value a variable's value
         * @return it in this case
         */
        public String apply(String value) {
            return switch (this) {
                case AS_IS -> value;
                case LOWER -> value.toLowerCase(Locale.ROOT);
                case UPPER -> value.toUpperCase(Locale.ROOT);
            };
        }
    }

    /**
     * A variable as a template writes it: which one, and how its case is changed.
     *
     * @param variable   which value
     * @param letterCase its case change
     */
    public record Reference(DovecotVariable variable, LetterCase letterCase) {

        /** Checks the components. */
        public Reference {
            Objects.requireNonNull(variable, "variable");
            Objects.requireNonNull(letterCase, "letterCase");
        }

        /**
         * @param request a login
         * @return the value, its case changed
         */
        public String value(AuthRequest request) {
            return letterCase.apply(variable.value(request));
        }
    }
}
