package io.github.mailproxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * How the proxy logs in to the backend. {@link #toString()} never shows the password.
 *
 * <p>The backend login sends {@link #userBytes()} and {@link #passwordBytes()}: in password
 * forwarding the bytes the client sent, whatever their charset; otherwise the UTF-8 encoding of
 * {@code user} and {@code password}.
 *
 * @param user          the user to log in as (Dovecot's {@code destuser}, by default the client's user)
 * @param masterUser    the master user to authenticate as, or {@code null} to log in as {@code user}
 *                      with the user's own password (password forwarding)
 * @param password      the password to send: the user's own, or the master password
 * @param mechanism     which login command to use at the backend
 * @param userBytes     the bytes to send as the user name, or {@code null} for {@code user} in UTF-8
 * @param passwordBytes the bytes to send as the password, or {@code null} for {@code password} in UTF-8
 */
public record BackendCredentials(String user, String masterUser, String password, Mechanism mechanism,
                                 byte[] userBytes, byte[] passwordBytes) {

    /** Which login command the backend login client uses. */
    public enum Mechanism {
        /** IMAP LOGIN / POP3 USER+PASS, unless the backend refuses plaintext login (then SASL PLAIN). */
        AUTO,
        /** IMAP LOGIN / POP3 USER+PASS. */
        LOGIN,
        /** IMAP AUTHENTICATE PLAIN / POP3 AUTH PLAIN (RFC 4616), with the master user as authentication id. */
        PLAIN
    }

    /**
     * Credentials sent as the UTF-8 encoding of their text.
     *
     * @param user       the backend user
     * @param masterUser the master user, or {@code null}
     * @param password   the password to send
     * @param mechanism  the login command
     */
    public BackendCredentials(String user, String masterUser, String password, Mechanism mechanism) {
        this(user, masterUser, password, mechanism, null, null);
    }

    /** Checks the components and copies the byte arrays. */
    public BackendCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(mechanism, "mechanism");
        userBytes = userBytes == null ? user.getBytes(StandardCharsets.UTF_8) : userBytes.clone();
        passwordBytes = passwordBytes == null ? password.getBytes(StandardCharsets.UTF_8) : passwordBytes.clone();
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

    /**
     * Credentials for password forwarding that send exactly the bytes the client sent.
     *
     * @param user          the backend user, as text
     * @param userBytes     the bytes to send as the user name
     * @param password      the client's password, as text
     * @param passwordBytes the bytes the client sent as its password
     * @return credentials using {@link Mechanism#AUTO}
     */
    public static BackendCredentials forwarding(String user, byte[] userBytes, String password, byte[] passwordBytes) {
        return new BackendCredentials(user, null, password, Mechanism.AUTO,
                Objects.requireNonNull(userBytes, "userBytes"), Objects.requireNonNull(passwordBytes, "passwordBytes"));
    }

    /** @return a copy of the bytes to send as the user name */
    @Override
    public byte[] userBytes() {
        return userBytes.clone();
    }

    /** @return a copy of the bytes to send as the password */
    @Override
    public byte[] passwordBytes() {
        return passwordBytes.clone();
    }

    /** Compares every component, the bytes by content (the password's in constant time). */
    @Override
    public boolean equals(Object o) {
        return o instanceof BackendCredentials c && user.equals(c.user) && Objects.equals(masterUser, c.masterUser)
                && password.equals(c.password) && mechanism == c.mechanism && Arrays.equals(userBytes, c.userBytes)
                && MessageDigest.isEqual(passwordBytes, c.passwordBytes);
    }

    /** Leaves the password out: a hash code is no place for anything derived from it. */
    @Override
    public int hashCode() {
        return Objects.hash(user, masterUser, mechanism, Arrays.hashCode(userBytes));
    }

    @Override
    public String toString() {
        return "BackendCredentials[user=" + user + ", masterUser=" + masterUser
                + ", password=***, mechanism=" + mechanism + "]";
    }
}
