package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A live session as {@link ProxyServer#sessions()} saw it at one moment: an immutable snapshot,
 * never updated. Never holds a password.
 *
 * @param id              the proxy's id of the session, as in its log lines and {@link SessionEvent#sessionId()}
 * @param protocol        {@code imap} or {@code pop3}
 * @param user            the user who tried to log in last, or {@code null} before any login
 * @param clientAddress   the client's address (the client a trusted peer speaks for, when it names one)
 * @param backendHost     the backend host as the PassDb named it (a host name or an address literal),
 *                        or {@code null} before a backend is chosen
 * @param backendAddress  the backend address connected to, or {@code null} until connected
 * @param state           the session's phase
 * @param started         when the connection was accepted
 * @param bytesFromClient bytes relayed from the client to the backend after login
 * @param bytesToClient   bytes relayed from the backend to the client after login
 */
public record SessionInfo(String id, String protocol, String user, InetSocketAddress clientAddress,
                          String backendHost, InetSocketAddress backendAddress, State state, Instant started,
                          long bytesFromClient, long bytesToClient) {

    /** The phase a session is in. */
    public enum State {
        /** Connected (or in its TLS handshake), no login in progress. */
        PRE_LOGIN,
        /** A login is being decided: the PassDb and the auth strategy. */
        AUTHENTICATING,
        /** Connecting to the backend and logging in there. */
        BACKEND_LOGIN,
        /** Logged in: bytes are relayed both ways. */
        PROXYING,
        /** Served in-process rather than relayed (a local hand-off). */
        LOCAL,
        /** Closing: writing what is pending before the sockets close. */
        CLOSING
    }
}
