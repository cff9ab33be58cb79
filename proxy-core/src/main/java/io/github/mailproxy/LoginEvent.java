package io.github.mailproxy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The decision on one login attempt of a session, given to {@link SessionListener#loginDecided}.
 * Never holds a password.
 *
 * @param sessionId      the proxy's id of the session
 * @param protocol       {@code imap} or {@code pop3}
 * @param user           the user who tried to log in
 * @param clientAddress  the client's address
 * @param outcome        {@link SessionEvent.Outcome#PROXIED}, {@link SessionEvent.Outcome#AUTH_FAILED},
 *                       {@link SessionEvent.Outcome#TEMPORARY_FAILURE} or {@link SessionEvent.Outcome#REFERRED}
 *                       (and the outcomes later issues add for logins, such as a local hand-off)
 * @param backendHost    the backend host as the PassDb named it, or {@code null} unless a backend was chosen
 * @param backendAddress the backend address connected to, or {@code null} unless one was reached
 * @param passDbLookup   how long the PassDb lookup of this attempt took, or {@code null} when no lookup
 *                       happened (an auth cache hit, a login refused before the lookup)
 * @param backendLogin   how long connecting and logging in to the backend took, or {@code null} when no
 *                       backend login was attempted
 */
public record LoginEvent(String sessionId, String protocol, String user, InetSocketAddress clientAddress,
                         SessionEvent.Outcome outcome, String backendHost, InetSocketAddress backendAddress,
                         Duration passDbLookup, Duration backendLogin) {
}
