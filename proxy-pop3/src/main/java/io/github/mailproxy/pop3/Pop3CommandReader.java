package io.github.mailproxy.pop3;

import io.github.mailproxy.spi.ClientInput;
import io.github.mailproxy.spi.LineFramer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Cuts a client's byte stream into bounded lines and decodes each into a {@link Pop3Command}.
 * RFC 1939 bounds a command line to 255 octets; the bound here is the session's
 * {@code maxLineLength}, which leaves a margin for long user names and passwords. An over-long
 * line becomes one {@link Pop3Command.TooLong} and the rest of it is skipped.
 *
 * <p>Not thread-safe; one per session.
 */
final class Pop3CommandReader {

    private static final int MAX_VERB_SHOWN = 16;
    private static final int MAX_MECHANISM_LENGTH = 20; // RFC 4422 section 3.1
    private static final int APOP_DIGEST_LENGTH = 32; // an MD5 digest in hex

    private final LineFramer framer;

    /**
     * @param maxLineLength longest line accepted, without CRLF
     */
    Pop3CommandReader(int maxLineLength) {
        this.framer = new LineFramer(maxLineLength);
    }

    /**
     * Consumes the next complete line of {@code in}, if there is one.
     *
     * @param in           the client's unread input, in read mode
     * @param saslExchange whether a SASL exchange is waiting for the client's response, which
     *                     changes how the line is read
     * @return the command, or {@code null} when no complete line is there yet
     */
    Pop3Command next(ByteBuffer in, boolean saslExchange) {
        return switch (framer.next(in)) {
            case NEED_MORE -> null;
            case TOO_LONG -> new Pop3Command.TooLong();
            case LINE -> saslExchange ? parseSaslResponse(framer.line()) : parse(framer.line());
        };
    }

    /**
     * Decodes one command line.
     *
     * @param line the line without CRLF
     * @return the command; never {@code null}
     */
    static Pop3Command parse(byte[] line) {
        String text = ClientInput.text(line);
        int space = text.indexOf(' ');
        String verb = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
        String args = space < 0 ? null : text.substring(space + 1);
        if (hasControlCharacter(text)) {
            // a CR or NUL inside a user name would reach the backend as a second command
            return isKnown(verb) ? new Pop3Command.Invalid("Invalid characters in command.") : unknown(verb);
        }
        return switch (verb) {
            case "CAPA" -> new Pop3Command.Capa();
            case "STLS" -> new Pop3Command.Stls();
            case "QUIT" -> new Pop3Command.Quit();
            case "USER" -> args == null || args.isEmpty()
                    ? new Pop3Command.Invalid("No username given.") : new Pop3Command.User(args, argumentBytes(line));
            case "PASS" -> args == null || args.isEmpty()
                    ? new Pop3Command.Invalid("No password given.") : new Pop3Command.Pass(args, argumentBytes(line));
            case "XCLIENT" -> new Pop3Command.Xclient(args == null ? "" : args);
            case "AUTH" -> parseAuth(args);
            case "APOP" -> parseApop(args);
            default -> unknown(verb);
        };
    }

    /** The bytes after the verb's space: a user name or password exactly as the client sent it. */
    private static byte[] argumentBytes(byte[] line) {
        int space = 0;
        while (line[space] != ' ') {
            space++;
        }
        return Arrays.copyOfRange(line, space + 1, line.length);
    }

    /**
     * Decodes a line sent as a SASL response.
     *
     * @param line the line without CRLF
     * @return a {@link Pop3Command.SaslCancel} for {@code *}, otherwise a {@link Pop3Command.SaslResponse}
     */
    static Pop3Command parseSaslResponse(byte[] line) {
        String text = new String(line, StandardCharsets.US_ASCII).strip();
        return text.equals("*") ? new Pop3Command.SaslCancel() : new Pop3Command.SaslResponse(text);
    }

    private static Pop3Command parseAuth(String args) {
        if (args == null || args.isBlank()) {
            return new Pop3Command.Auth(null, null);
        }
        int space = args.indexOf(' ');
        String mechanism = (space < 0 ? args : args.substring(0, space)).toUpperCase(Locale.ROOT);
        if (!isMechanismName(mechanism)) {
            return new Pop3Command.Invalid("Invalid authentication mechanism name.");
        }
        if (space < 0) {
            return new Pop3Command.Auth(mechanism, null);
        }
        String initial = args.substring(space + 1).strip();
        if (initial.isEmpty() || initial.indexOf(' ') >= 0) {
            return new Pop3Command.Invalid("Invalid initial response.");
        }
        // RFC 5034 section 4: "=" is an initial response of zero length
        return new Pop3Command.Auth(mechanism, initial.equals("=") ? "" : initial);
    }

    /** RFC 1939 section 7: the digest is the last word, so that a user name may hold spaces. */
    private static Pop3Command parseApop(String args) {
        String trimmed = args == null ? "" : args.strip();
        int space = trimmed.lastIndexOf(' ');
        if (space <= 0) {
            return new Pop3Command.Invalid("APOP needs a user name and a digest.");
        }
        String user = trimmed.substring(0, space).strip();
        String digest = trimmed.substring(space + 1).toLowerCase(Locale.ROOT);
        if (user.isEmpty() || digest.length() != APOP_DIGEST_LENGTH || !isHex(digest)) {
            return new Pop3Command.Invalid("APOP needs a user name and a digest.");
        }
        return new Pop3Command.Apop(user, digest);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isMechanismName(String name) {
        if (name.isEmpty() || name.length() > MAX_MECHANISM_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isKnown(String verb) {
        return switch (verb) {
            case "CAPA", "STLS", "QUIT", "USER", "PASS", "AUTH", "APOP" -> true;
            default -> false;
        };
    }

    private static boolean hasControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static Pop3Command unknown(String verb) {
        StringBuilder shown = new StringBuilder(Math.min(verb.length(), MAX_VERB_SHOWN));
        for (int i = 0; i < verb.length() && shown.length() < MAX_VERB_SHOWN; i++) {
            char c = verb.charAt(i);
            shown.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return new Pop3Command.Unknown(shown.toString());
    }
}
