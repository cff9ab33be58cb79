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

        /**
         * What a trusted client says with XCLIENT.
         *
         * @param address the originating client's address, or {@code null} when not given
         * @param port    its port, 0 when not given
         * @param ttl     the proxy hops left, or -1 when not given
         */
        record Fields(java.net.InetAddress address, int port, int ttl) {
        }

        /**
         * Reads {@code ADDR}, {@code PORT} and {@code TTL}; other parameters ({@code SESSION},
         * {@code FORWARD}, ...) are accepted and ignored, as Dovecot does.
         *
         * @return the fields, or empty when a known parameter is invalid: then none applies
         */
        java.util.Optional<Fields> fields() {
            java.net.InetAddress address = null;
            int port = 0;
            int ttl = -1;
            for (String parameter : arguments.strip().split(" +")) {
                int eq = parameter.indexOf('=');
                if (parameter.isEmpty() || eq <= 0) {
                    continue;
                }
                String value = parameter.substring(eq + 1);
                switch (parameter.substring(0, eq).toUpperCase(java.util.Locale.ROOT)) {
                    case "ADDR" -> {
                        address = io.github.mailproxy.spi.ClientInput.ipLiteral(value).orElse(null);
                        if (address == null) {
                            return java.util.Optional.empty();
                        }
                    }
                    case "PORT" -> {
                        port = number(value);
                        if (port < 0 || port > 65535) {
                            return java.util.Optional.empty();
                        }
                    }
                    case "TTL" -> {
                        ttl = number(value);
                        if (ttl < 0) {
                            return java.util.Optional.empty();
                        }
                    }
                    default -> {
                        // SESSION, FORWARD, LOGIN, CLIENT-TRANSPORT: nothing the proxy uses
                    }
                }
            }
            return java.util.Optional.of(new Fields(address, port, ttl));
        }

        /** @return a small non-negative decimal number, or -1 */
        private static int number(String s) {
            if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return -1;
            }
            return Integer.parseInt(s);
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
