package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The summary of one client session, given to {@link SessionListener}s when it ends. Never holds
 * a password.
 *
 * @param sessionId       the proxy's id of the session
 * @param protocol        {@code imap} or {@code pop3}
 * @param user            the user who tried to log in, or {@code null} if none did
 * @param clientAddress   the client's address
 * @param backendAddress  the backend connected to, or {@code null}
 * @param bytesFromClient bytes relayed from the client to the backend after login
 * @param bytesToClient   bytes relayed from the backend to the client after login
 * @param duration        how long the session lasted
 * @param outcome         how it ended
 */
public record SessionEvent(String sessionId, String protocol, String user, InetSocketAddress clientAddress,
                           InetSocketAddress backendAddress, long bytesFromClient, long bytesToClient,
                           Duration duration, Outcome outcome) {

    /** How a session ended. */
    public enum Outcome {
        /** Logged in and relayed until one side closed. */
        PROXIED,
        /** The client left (or was closed after errors) without logging in. */
        NO_LOGIN,
        /** The last login attempt failed authentication. */
        AUTH_FAILED,
        /** The last login attempt failed for a temporary reason (backend or PassDb down). */
        TEMPORARY_FAILURE,
        /** The client got a login referral. */
        REFERRED,
        /** The login timeout expired. */
        TIMEOUT,
        /** The server shut down. */
        SHUTDOWN,
        /**
         * An operator ended the session ({@link ProxyServer#kickUser}, {@link ProxyServer#kickBackend},
         * {@link ProxyServer#kickSession}).
         */
        KICKED,
        /** Logged in and served by the embedding application's {@link LocalSessionHandler} until it closed. */
        LOCAL
    }
}
