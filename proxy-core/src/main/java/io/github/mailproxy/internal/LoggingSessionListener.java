package io.github.mailproxy.internal;

import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default {@link SessionListener}: one INFO line per session on logger {@code io.github.mailproxy.session}. */
public final class LoggingSessionListener implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.session");

    @Override
    public void sessionClosed(SessionEvent e) {
        if (LOG.isInfoEnabled()) {
            LOG.info("session={} proto={} user={} client={} backend={} in={} out={} duration={}ms outcome={}",
                    e.sessionId(), e.protocol(), e.user() == null ? "-" : Text.printable(e.user()),
                    Text.address(e.clientAddress()), e.backendAddress() == null ? "-" : Text.address(e.backendAddress()),
                    e.bytesFromClient(), e.bytesToClient(), e.duration().toMillis(), e.outcome());
        }
    }
}
