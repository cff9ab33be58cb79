package io.github.mailproxy.imap;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A command the proxy serves before login (RFC 3501 section 6.1 and 6.2, RFC 2971 ID, RFC 4959
 * SASL-IR), decoded with its arguments checked: the handler acts on these and never reads raw
 * arguments. Anything else is {@link Unknown}; arguments that do not fit the command are
 * {@link Bad}, with the text of the tagged BAD.
 */
sealed interface ImapRequest {

    /** @return the client's tag, to answer with */
    String tag();

    /**
     * RFC 3501 section 6.1.1.
     *
     * @param tag the client's tag
     */
    record Capability(String tag) implements ImapRequest {
    }

    /**
     * RFC 3501 section 6.1.2.
     *
     * @param tag the client's tag
     */
    record Noop(String tag) implements ImapRequest {
    }

    /**
     * RFC 3501 section 6.1.3.
     *
     * @param tag the client's tag
     */
    record Logout(String tag) implements ImapRequest {
    }

    /**
     * RFC 3501 section 6.2.1.
     *
     * @param tag the client's tag
     */
    record StartTls(String tag) implements ImapRequest {
    }

    /**
     * RFC 2971: {@code ID (field value ...)} or {@code ID NIL}.
     *
     * @param tag    the client's tag
     * @param fields the field-value pairs in order; empty for {@code NIL}
     */
    record Id(String tag, List<Field> fields) implements ImapRequest {
        /** Copies the fields. */
        public Id {
            fields = List.copyOf(fields);
        }
    }

    /**
     * One ID field.
     *
     * @param name  the field name as sent
     * @param value its value, or {@code null} for {@code NIL}
     */
    record Field(String name, String value) {
    }

    /**
     * RFC 3501 section 6.2.3: {@code LOGIN user password}, each an astring, with the bytes the
     * client sent (the backend gets them unchanged).
     *
     * @param tag           the client's tag
     * @param user          the user name as text
     * @param userBytes     the user name's bytes as sent
     * @param password      the password as text
     * @param passwordBytes the password's bytes as sent
     */
    record Login(String tag, String user, byte[] userBytes, String password, byte[] passwordBytes) implements ImapRequest {
        /** Copies the byte arrays. */
        public Login {
            userBytes = userBytes.clone();
            passwordBytes = passwordBytes.clone();
        }

        /** @return a copy of the user name's bytes */
        @Override
        public byte[] userBytes() {
            return userBytes.clone();
        }

        /** @return a copy of the password's bytes */
        @Override
        public byte[] passwordBytes() {
            return passwordBytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Login l && tag.equals(l.tag) && user.equals(l.user) && password.equals(l.password)
                    && Arrays.equals(userBytes, l.userBytes) && MessageDigest.isEqual(passwordBytes, l.passwordBytes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tag, user);
        }

        /** Leaves the password out. */
        @Override
        public String toString() {
            return "Login[tag=" + tag + ", user=" + user + ", password=***]";
        }
    }

    /**
     * RFC 3501 section 6.2.2 with SASL-IR (RFC 4959).
     *
     * @param tag             the client's tag
     * @param mechanism       the mechanism name, upper case
     * @param initialResponse the initial response as sent ({@code =} for an empty one), or {@code null}
     */
    record Authenticate(String tag, String mechanism, String initialResponse) implements ImapRequest {
        /** Leaves the initial response out: it may carry a password. */
        @Override
        public String toString() {
            return "Authenticate[tag=" + tag + ", mechanism=" + mechanism
                    + (initialResponse == null ? "" : ", initialResponse=***") + "]";
        }
    }

    /**
     * A command not served before login.
     *
     * @param tag  the client's tag
     * @param name the command name, upper case
     */
    record Unknown(String tag, String name) implements ImapRequest {
    }

    /**
     * A known command with arguments that do not fit it.
     *
     * @param tag  the client's tag
     * @param text the text of the tagged BAD
     */
    record Bad(String tag, String text) implements ImapRequest {
    }

    /**
     * Checks a parsed command's arguments.
     *
     * @param command a command as the decoder parsed it
     * @return the request
     */
    static ImapRequest of(ImapCommand command) {
        String tag = command.tag();
        List<ImapArg> args = command.args();
        return switch (command.name()) {
            case "CAPABILITY" -> args.isEmpty() ? new Capability(tag) : noArguments(command);
            case "NOOP" -> args.isEmpty() ? new Noop(tag) : noArguments(command);
            case "LOGOUT" -> args.isEmpty() ? new Logout(tag) : noArguments(command);
            case "STARTTLS" -> args.isEmpty() ? new StartTls(tag) : noArguments(command);
            case "ID" -> id(tag, args);
            case "LOGIN" -> login(tag, args);
            case "AUTHENTICATE" -> authenticate(tag, args);
            default -> new Unknown(tag, command.name());
        };
    }

    private static ImapRequest noArguments(ImapCommand command) {
        return new Bad(command.tag(), "Error in IMAP command: " + command.name() + " takes no arguments.");
    }

    private static ImapRequest id(String tag, List<ImapArg> args) {
        if (args.size() != 1 || !(args.get(0).isNil() || isIdList(args.get(0)))) {
            return new Bad(tag, "Error in IMAP command: ID needs a list of field-value pairs or NIL.");
        }
        List<Field> fields = new ArrayList<>();
        if (!args.get(0).isNil()) {
            List<ImapArg> items = args.get(0).items();
            for (int i = 0; i + 1 < items.size(); i += 2) {
                ImapArg value = items.get(i + 1);
                fields.add(new Field(items.get(i).value(), value.isNil() ? null : value.value()));
            }
        }
        return new Id(tag, fields);
    }

    /** RFC 2971: field names are strings; values are strings or NIL. */
    private static boolean isIdList(ImapArg arg) {
        if (arg.kind() != ImapArg.Kind.LIST || arg.items().size() % 2 != 0) {
            return false;
        }
        for (int i = 0; i < arg.items().size(); i++) {
            ImapArg item = arg.items().get(i);
            boolean valueMayBeNil = i % 2 == 1;
            if (!item.isString() && !(valueMayBeNil && item.isNil())) {
                return false;
            }
        }
        return true;
    }

    private static ImapRequest login(String tag, List<ImapArg> args) {
        if (args.size() != 2 || !args.get(0).isAstring() || !args.get(1).isAstring()) {
            return new Bad(tag, "Error in IMAP command: LOGIN needs a user name and a password.");
        }
        ImapArg user = args.get(0);
        ImapArg password = args.get(1);
        return new Login(tag, user.value(), user.bytes(), password.value(), password.bytes());
    }

    private static ImapRequest authenticate(String tag, List<ImapArg> args) {
        if (args.isEmpty() || args.size() > 2 || args.get(0).kind() != ImapArg.Kind.ATOM
                || (args.size() == 2 && args.get(1).kind() != ImapArg.Kind.ATOM)) {
            return new Bad(tag, "Error in IMAP command: AUTHENTICATE needs a mechanism name.");
        }
        return new Authenticate(tag, args.get(0).value().toUpperCase(Locale.ROOT), args.size() == 2 ? args.get(1).value() : null);
    }
}
