package io.github.mailproxy.internal;

import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.SessionListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's session listeners as one: each hears every event in the order they were added, and
 * one that throws is logged and skipped, so that it costs neither the session nor the listeners after it.
 */
public final class SessionListeners implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger(SessionListeners.class);

    private final List<SessionListener> listeners;

    private SessionListeners(List<SessionListener> listeners) {
        this.listeners = listeners;
    }

    /**
     * @param first  the main listener (the builder's {@code sessionListener}, by default the logging one)
     * @param others more listeners, in order
     * @return the listeners as one
     */
    public static SessionListeners of(SessionListener first, List<SessionListener> others) {
        List<SessionListener> all = new ArrayList<>(1 + others.size());
        all.add(first);
        all.addAll(others);
        return new SessionListeners(List.copyOf(all));
    }

    @Override
    public void sessionOpened(SessionInfo session) {
        each("sessionOpened", l -> l.sessionOpened(session));
    }

    @Override
    public void loginDecided(LoginEvent event) {
        each("loginDecided", l -> l.loginDecided(event));
    }

    @Override
    public void connectionRefused(String protocol, RefusalCause cause) {
        each("connectionRefused", l -> l.connectionRefused(protocol, cause));
    }

    @Override
    public void sessionClosed(SessionEvent event) {
        each("sessionClosed", l -> l.sessionClosed(event));
    }

    private void each(String method, Consumer<SessionListener> call) {
        for (SessionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                failed(l, method, e);
            }
        }
    }

    private static void failed(SessionListener listener, String method, RuntimeException e) {
        // the exception's text is the listener's: only its type goes into the message fields
        LOG.warn("msg=\"session listener failed\" listener={} method={} error={}",
                Text.logValue(listener.getClass().getName()), method, Text.logValue(e.getClass().getName()), e);
    }
}
