package io.github.mailproxy.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One command of a client script and how to recognise the end of its reply.
 *
 * @param command the line to send, without CRLF; null for "just read the greeting"
 * @param tag     the IMAP tag whose line ends the reply; null when the first line ends it (POP3,
 *                greetings)
 */
record Exchange(String command, String tag) {

    /** @return the command as bytes with CRLF, or null */
    byte[] bytes() {
        return command == null ? null : (command + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** @return whether {@code line} ends this reply */
    boolean isFinal(String line) {
        return tag == null || line.startsWith(tag + " ");
    }

    /** @return whether the final {@code line} says the command succeeded */
    boolean isOk(String line) {
        if (tag == null) {
            return line.startsWith("* OK") || line.startsWith("+OK");
        }
        return line.startsWith(tag + " OK");
    }

    /** IMAP: greeting, LOGIN, SELECT INBOX, LOGOUT. */
    static List<Exchange> imapLoginLoop(String user, String password) {
        return List.of(new Exchange(null, null), new Exchange("a LOGIN " + user + " " + password, "a"),
                new Exchange("b SELECT INBOX", "b"), new Exchange("c LOGOUT", "c"));
    }

    /** POP3: greeting, USER, PASS, STAT (POP3's SELECT: the maildrop is opened at PASS), QUIT. */
    static List<Exchange> pop3LoginLoop(String user, String password) {
        return List.of(new Exchange(null, null), new Exchange("USER " + user, null),
                new Exchange("PASS " + password, null), new Exchange("STAT", null), new Exchange("QUIT", null));
    }

    /** IMAP: greeting and LOGIN, then the session is held. */
    static List<Exchange> imapLogin(String user, String password) {
        return List.of(new Exchange(null, null), new Exchange("a LOGIN " + user + " " + password, "a"));
    }

    /** IMAP: one NOOP on a held session. */
    static List<Exchange> imapNoop() {
        return List.of(new Exchange("n NOOP", "n"));
    }
}
