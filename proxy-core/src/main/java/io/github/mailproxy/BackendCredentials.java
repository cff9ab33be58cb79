package io.github.mailproxy;

import java.util.Objects;

/**
 * How the proxy logs in to the backend. {@link #toString()} never shows the password.
 *
 * @param user       the user to log in as (Dovecot's {@code destuser}, by default the client's user)
 * @param masterUser the master user to authenticate as, or {@code null} to log in as {@code user}
 *                   with the user's own password (password forwarding)
 * @param password   the password to send: the user's own, or the master password
 * @param mechanism  which login command to use at the backend
 */
public record BackendCredentials(String user, String masterUser, String password, Mechanism mechanism) {

    /** Which login command the backend login client uses. */
    public enum Mechanism {
        /** IMAP LOGIN / POP3 USER+PASS, unless the backend refuses plaintext login (then SASL PLAIN). */
        AUTO,
        /** IMAP LOGIN / POP3 USER+PASS. */
        LOGIN,
        /** IMAP AUTHENTICATE PLAIN / POP3 AUTH PLAIN (RFC 4616), with the master user as authentication id. */
        PLAIN
    }

    /** Checks the components. */
    public BackendCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(mechanism, "mechanism");
    }

    /**
     * Credentials for password forwarding.
     *
     * @param user     the backend user
     * @param password the client's password
     * @return credentials using {@link Mechanism#AUTO}
     */
    public static BackendCredentials forwarding(String user, String password) {
        return new BackendCredentials(user, null, password, Mechanism.AUTO);
    }

    @Override
    public String toString() {
        return "BackendCredentials[user=" + user + ", masterUser=" + masterUser
                + ", password=***, mechanism=" + mechanism + "]";
    }
}
