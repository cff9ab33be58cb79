package io.github.mailproxy;

/**
 * Receives one event per session when it ends, for logging and metrics. Called on an event loop:
 * implementations must be quick and must not block. The default listener logs one line per
 * session through SLF4J (logger {@code io.github.mailproxy.session}).
 */
@FunctionalInterface
public interface SessionListener {

    /**
     * A session has ended.
     *
     * @param event what happened in it
     */
    void sessionClosed(SessionEvent event);
}
