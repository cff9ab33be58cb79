package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A login attempt as the proxy hands it to the {@link PassDb} and the {@link AuthStrategy}.
 * {@link #toString()} never shows the password.
 *
 * @param protocol      service name: {@code imap} or {@code pop3} (Dovecot's {@code %s})
 * @param user          the user name exactly as the client gave it
 * @param password      the password when the mechanism carries it in plaintext, else {@code null}
 * @param mechanism     the SASL mechanism name, upper case ({@code LOGIN} for IMAP LOGIN and POP3 USER/PASS)
 * @param clientAddress the client's address
 * @param localAddress  the address the client connected to
 * @param secured       whether the client connection is encrypted
 * @param sessionId     the proxy's id of this session
 * @param credentialsVerified whether the protocol module has already proved the client's
 *                      credentials against the PassDb's stored secret (CRAM-MD5, SCRAM), so the
 *                      strategy must not ask for a password
 */
public record AuthRequest(String protocol, String user, String password, String mechanism,
                          InetSocketAddress clientAddress, InetSocketAddress localAddress,
                          boolean secured, String sessionId, boolean credentialsVerified) {

    /**
     * A request whose credentials are still to be checked.
     *
     * @param protocol      service name
     * @param user          the user name as given
     * @param password      the plaintext password, or {@code null}
     * @param mechanism     the mechanism, upper case
     * @param clientAddress the client's address
     * @param localAddress  the address the client connected to
     * @param secured       whether the client connection is encrypted
     * @param sessionId     the session's id
     */
    public AuthRequest(String protocol, String user, String password, String mechanism,
                       InetSocketAddress clientAddress, InetSocketAddress localAddress,
                       boolean secured, String sessionId) {
        this(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId, false);
    }

    /** @return a copy saying that the credentials have been verified by the protocol module */
    public AuthRequest verified() {
        return new AuthRequest(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId, true);
    }

    /** Checks the required components. */
    public AuthRequest {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(sessionId, "sessionId");
    }

    /** @return whether the client sent its password in plaintext (PLAIN, LOGIN, USER/PASS) */
    public boolean hasPlaintextPassword() {
        return password != null;
    }

    @Override
    public String toString() {
        return "AuthRequest[protocol=" + protocol + ", user=" + user
                + ", password=" + (password == null ? "none" : "***")
                + ", mechanism=" + mechanism + ", client=" + clientAddress
                + ", local=" + localAddress + ", secured=" + secured + ", session=" + sessionId
                + (credentialsVerified ? ", verified" : "") + "]";
    }
}
