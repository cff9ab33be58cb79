package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A login attempt as the proxy hands it to the {@link PassDb} and the {@link AuthStrategy}.
 * {@link #toString()} never shows the password.
 *
 * <p>The user name and password are text for the PassDb and the logs; the bytes the client sent
 * are kept beside them ({@link #userBytes()}, {@link #passwordBytes()}), so that a backend checking
 * the password itself gets exactly what the client sent, whatever its charset.
 *
 * @param protocol      service name: {@code imap} or {@code pop3} (Dovecot's {@code %s})
 * @param user          the user name as the client gave it, decoded as UTF-8, or as ISO-8859-1
 *                      when the bytes are not UTF-8
 * @param password      the password when the mechanism carries it in plaintext, else {@code null};
 *                      decoded as {@code user}
 * @param mechanism     the SASL mechanism name, upper case ({@code LOGIN} for IMAP LOGIN and POP3 USER/PASS)
 * @param clientAddress the client's address
 * @param localAddress  the address the client connected to
 * @param secured       whether the client connection is encrypted
 * @param sessionId     the proxy's id of this session
 * @param credentialsVerified whether the protocol module has already proved the client's
 *                      credentials against the PassDb's stored secret (CRAM-MD5, SCRAM), so the
 *                      strategy must not ask for a password
 * @param userBytes     the user name's bytes as the client sent them, or {@code null} for the UTF-8
 *                      encoding of {@code user}
 * @param passwordBytes the password's bytes as the client sent them, or {@code null} for the UTF-8
 *                      encoding of {@code password}
 * @param serverName    the server name the client asked for: as a load balancer in front of the proxy
 *                      reports it (the PROXY protocol's authority: the client's TLS SNI), else from the
 *                      client's own TLS handshake with the proxy (SNI), or {@code null} when unknown;
 *                      Dovecot's {@code %{local_name}}
 */
public record AuthRequest(String protocol, String user, String password, String mechanism,
                          InetSocketAddress clientAddress, InetSocketAddress localAddress,
                          boolean secured, String sessionId, boolean credentialsVerified,
                          byte[] userBytes, byte[] passwordBytes, String serverName) {

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

    /**
     * A request whose user name and password bytes are the UTF-8 encoding of their text.
     *
     * @param protocol      service name
     * @param user          the user name as given
     * @param password      the plaintext password, or {@code null}
     * @param mechanism     the mechanism, upper case
     * @param clientAddress the client's address
     * @param localAddress  the address the client connected to
     * @param secured       whether the client connection is encrypted
     * @param sessionId     the session's id
     * @param credentialsVerified whether the protocol module has verified the credentials
     */
    public AuthRequest(String protocol, String user, String password, String mechanism,
                       InetSocketAddress clientAddress, InetSocketAddress localAddress,
                       boolean secured, String sessionId, boolean credentialsVerified) {
        this(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId,
                credentialsVerified, null, null);
    }

    /**
     * A request without a known server name.
     *
     * @param protocol      service name
     * @param user          the user name as given
     * @param password      the plaintext password, or {@code null}
     * @param mechanism     the mechanism, upper case
     * @param clientAddress the client's address
     * @param localAddress  the address the client connected to
     * @param secured       whether the client connection is encrypted
     * @param sessionId     the session's id
     * @param credentialsVerified whether the protocol module has verified the credentials
     * @param userBytes     the user name's bytes, or {@code null} for the UTF-8 encoding of {@code user}
     * @param passwordBytes the password's bytes, or {@code null} for the UTF-8 encoding of {@code password}
     */
    public AuthRequest(String protocol, String user, String password, String mechanism,
                       InetSocketAddress clientAddress, InetSocketAddress localAddress,
                       boolean secured, String sessionId, boolean credentialsVerified,
                       byte[] userBytes, byte[] passwordBytes) {
        this(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId,
                credentialsVerified, userBytes, passwordBytes, null);
    }

    /** Checks the required components and copies the byte arrays. */
    public AuthRequest {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(sessionId, "sessionId");
        userBytes = userBytes == null ? user.getBytes(StandardCharsets.UTF_8) : userBytes.clone();
        if (password == null && passwordBytes != null) {
            throw new IllegalArgumentException("passwordBytes: given without a password");
        }
        passwordBytes = passwordBytes == null
                ? password == null ? null : password.getBytes(StandardCharsets.UTF_8)
                : passwordBytes.clone();
    }

    /** @return a copy saying that the credentials have been verified by the protocol module */
    public AuthRequest verified() {
        return new AuthRequest(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId,
                true, userBytes, passwordBytes, serverName);
    }

    /**
     * @param serverName the server name the client asked for, or {@code null}
     * @return a copy with that server name
     */
    public AuthRequest withServerName(String serverName) {
        return new AuthRequest(protocol, user, password, mechanism, clientAddress, localAddress, secured, sessionId,
                credentialsVerified, userBytes, passwordBytes, serverName);
    }

    /**
     * A copy carrying the bytes the client sent for the user name and password, which
     * {@link AuthStrategy#passwordForwarding()} sends to the backend unchanged.
     *
     * @param user     the user name's bytes
     * @param password the password's bytes, or {@code null} when the request has no password
     * @return the copy
     */
    public AuthRequest withClientBytes(byte[] user, byte[] password) {
        return new AuthRequest(protocol, this.user, this.password, mechanism, clientAddress, localAddress, secured,
                sessionId, credentialsVerified, Objects.requireNonNull(user, "user"), password, serverName);
    }

    /** @return a copy of the user name's bytes as the client sent them */
    @Override
    public byte[] userBytes() {
        return userBytes.clone();
    }

    /** @return a copy of the password's bytes as the client sent them, or {@code null} without a password */
    @Override
    public byte[] passwordBytes() {
        return passwordBytes == null ? null : passwordBytes.clone();
    }

    /** @return whether the client sent its password in plaintext (PLAIN, LOGIN, USER/PASS) */
    public boolean hasPlaintextPassword() {
        return password != null;
    }

    /** Compares every component, the bytes by content (the password's in constant time). */
    @Override
    public boolean equals(Object o) {
        return o instanceof AuthRequest r && protocol.equals(r.protocol) && user.equals(r.user)
                && Objects.equals(password, r.password) && mechanism.equals(r.mechanism)
                && clientAddress.equals(r.clientAddress) && localAddress.equals(r.localAddress)
                && secured == r.secured && sessionId.equals(r.sessionId)
                && credentialsVerified == r.credentialsVerified && Arrays.equals(userBytes, r.userBytes)
                && Objects.equals(serverName, r.serverName)
                && (passwordBytes == null ? r.passwordBytes == null
                        : r.passwordBytes != null && MessageDigest.isEqual(passwordBytes, r.passwordBytes));
    }

    /** Leaves the password out: a hash code is no place for anything derived from it. */
    @Override
    public int hashCode() {
        return Objects.hash(protocol, user, mechanism, clientAddress, localAddress, secured, sessionId,
                credentialsVerified, Arrays.hashCode(userBytes), serverName);
    }

    @Override
    public String toString() {
        return "AuthRequest[protocol=" + protocol + ", user=" + user
                + ", password=" + (password == null ? "none" : "***")
                + ", mechanism=" + mechanism + ", client=" + clientAddress
                + ", local=" + localAddress + ", secured=" + secured + ", session=" + sessionId
                + (serverName != null ? ", serverName=" + serverName : "")
                + (credentialsVerified ? ", verified" : "") + "]";
    }
}
