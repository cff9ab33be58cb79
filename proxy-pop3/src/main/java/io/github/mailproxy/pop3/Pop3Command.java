package io.github.mailproxy.pop3;

import io.github.mailproxy.spi.ClientInput;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * One line from a POP3 client in the AUTHORIZATION state, decoded by {@link Pop3CommandReader}.
 * Immutable values; none touches a channel. {@code toString()} never shows a password or a SASL
 * response.
 */
sealed interface Pop3Command {

    /** {@code CAPA} (RFC 2449). */
    record Capa() implements Pop3Command {
    }

    /**
     * {@code USER name} (RFC 1939 section 7).
     *
     * @param name  the rest of the line after {@code USER }, decoded as {@link ClientInput#text}
     * @param bytes the same as the client sent it, for the backend
     */
    record User(String name, byte[] bytes) implements Pop3Command {
        /** @param name the user name, sent as UTF-8 */
        public User(String name) {
            this(name, name.getBytes(StandardCharsets.UTF_8));
        }

        public User {
            Objects.requireNonNull(name, "name");
            bytes = bytes.clone();
        }

        /** @return a copy of the bytes */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof User u && name.equals(u.name) && Arrays.equals(bytes, u.bytes);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return "User[name=" + name + "]";
        }
    }

    /**
     * {@code PASS password} (RFC 1939 section 7).
     *
     * @param password the rest of the line after {@code PASS }, spaces included, decoded as
     *                 {@link ClientInput#text}
     * @param bytes    the same as the client sent it, for the backend
     */
    record Pass(String password, byte[] bytes) implements Pop3Command {
        /** @param password the password, sent as UTF-8 */
        public Pass(String password) {
            this(password, password.getBytes(StandardCharsets.UTF_8));
        }

        public Pass {
            Objects.requireNonNull(password, "password");
            bytes = bytes.clone();
        }

        /** @return a copy of the bytes */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pass p && password.equals(p.password) && MessageDigest.isEqual(bytes, p.bytes);
        }

        @Override
        public int hashCode() {
            return 1;  // nothing derived from a password
        }

        @Override
        public String toString() {
            return "Pass[password=***]";
        }
    }

    /**
     * {@code XCLIENT name=value ...}, with which a trusted client (Dovecot's
     * {@code login_trusted_networks}) names the client it speaks for: {@code ADDR}, {@code PORT},
     * {@code TTL}, as Dovecot's pop3-login takes it. Untrusted clients get the unknown-command error.
     *
     * @param arguments the rest of the line, possibly empty
     */
    record Xclient(String arguments) implements Pop3Command {
        public Xclient {
            Objects.requireNonNull(arguments, "arguments");
        }
    }

    /**
     * {@code AUTH [mechanism [initial-response]]} (RFC 5034).
     *
     * @param mechanism       the mechanism, upper case, or {@code null} for a bare {@code AUTH}
     *                        that asks for the list of mechanisms
     * @param initialResponse the base64 initial response, {@code ""} for {@code =}, or {@code null}
     */
    record Auth(String mechanism, String initialResponse) implements Pop3Command {
        @Override
        public String toString() {
            return "Auth[mechanism=" + mechanism + ", initialResponse=" + (initialResponse == null ? "none" : "***") + "]";
        }
    }

    /**
     * {@code APOP name digest} (RFC 1939 section 7).
     *
     * @param user   the mailbox name, everything before the last space
     * @param digest the client's MD5 digest of the greeting's timestamp and the password, 32 hex
     *               digits, lower case
     */
    record Apop(String user, String digest) implements Pop3Command {
        public Apop {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(digest, "digest");
        }

        @Override
        public String toString() {
            return "Apop[user=" + user + ", digest=***]";
        }
    }

    /** {@code STLS} (RFC 2595 section 4). */
    record Stls() implements Pop3Command {
    }

    /** {@code QUIT} (RFC 1939 section 6). */
    record Quit() implements Pop3Command {
    }

    /**
     * A command this state does not know or allow.
     *
     * @param verb the first word, upper case, printable ASCII only and at most 16 characters;
     *             for logs, never sent back to the client
     */
    record Unknown(String verb) implements Pop3Command {
        public Unknown {
            Objects.requireNonNull(verb, "verb");
        }
    }

    /**
     * A known command with bad arguments.
     *
     * @param message the reply text after {@code -ERR }, chosen by the reader, never client bytes
     */
    record Invalid(String message) implements Pop3Command {
        public Invalid {
            Objects.requireNonNull(message, "message");
        }
    }

    /** A line over the length bound; the reader skips the rest of it. */
    record TooLong() implements Pop3Command {
    }

    /**
     * A client's line during a SASL exchange (RFC 5034 section 4).
     *
     * @param text the base64 response, without surrounding white space
     */
    record SaslResponse(String text) implements Pop3Command {
        public SaslResponse {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String toString() {
            return "SaslResponse[***]";
        }
    }

    /** {@code *}: the client cancels a SASL exchange. */
    record SaslCancel() implements Pop3Command {
    }
}
