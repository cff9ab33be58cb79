package io.github.mailproxy;

/**
 * Hears what sessions do, for logging and metrics: a session opening, the decision on each of its
 * login attempts, its close, and connections refused by a limit. Only {@link #sessionClosed} must be
 * implemented; the others do nothing by default, so a lambda is a listener. The default listener logs
 * one line per closed session through SLF4J (logger {@code io.github.mailproxy.session}).
 *
 * <p>Every method is called on an event loop: implementations must be quick and must not block, and
 * must be thread-safe, since sessions run on several loops. The calls for one session come on that
 * session's loop, in order: {@link #sessionOpened} once, {@link #loginDecided} once per login attempt
 * that was decided (none if the client never tried; after a {@code PROXIED} one, no more), then
 * {@link #sessionClosed} once. An exception thrown by a listener is logged and ignored: the session
 * and the other listeners go on.
 */
@FunctionalInterface
public interface SessionListener {

    /**
     * A connection was accepted and its session registered (also a connection over a limit, which is
     * told to come back later and closed: {@link #connectionRefused} follows).
     *
     * @param session the session as it starts: no user, no backend
     */
    default void sessionOpened(SessionInfo session) {
    }

    /**
     * A login attempt was decided: proxied (the relay starts), refused, failed temporarily or
     * referred. A client may try again after a failed attempt, so a session may have several.
     *
     * @param event the decision, the backend chosen and the time the PassDb and the backend took
     */
    default void loginDecided(LoginEvent event) {
    }

    /**
     * A connection or a login was refused by a limit, or a connection could not be accepted.
     *
     * @param protocol the listener's protocol, {@code imap} or {@code pop3}
     * @param cause    why
     */
    default void connectionRefused(String protocol, RefusalCause cause) {
    }

    /**
     * A session has ended.
     *
     * @param event what happened in it
     */
    void sessionClosed(SessionEvent event);
}
