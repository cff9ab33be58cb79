package io.github.mailproxy.imap;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A complete IMAP command as the client sent it (RFC 3501 section 2.2.1). {@link #toString()}
 * never shows a string argument's value: LOGIN carries a password, AUTHENTICATE an initial
 * response that encodes one.
 *
 * @param tag  the client's tag
 * @param name the command name, upper case
 * @param args the arguments after the name
 */
record ImapCommand(String tag, String name, List<ImapArg> args) {

    ImapCommand {
        Objects.requireNonNull(tag, "tag");
        name = Objects.requireNonNull(name, "name").toUpperCase(Locale.ROOT);
        args = List.copyOf(args);
    }

    @Override
    public String toString() {
        // a password may be an atom (LOGIN) or base64 in an atom (AUTHENTICATE's initial response)
        boolean secret = name.equals("LOGIN") || name.equals("AUTHENTICATE");
        String shown = secret && args.size() > 1
                ? args.get(0).describe() + " ***"
                : args.stream().map(ImapArg::describe).collect(Collectors.joining(" "));
        return "ImapCommand[" + tag + " " + name + (shown.isEmpty() ? "" : " " + shown) + "]";
    }
}
