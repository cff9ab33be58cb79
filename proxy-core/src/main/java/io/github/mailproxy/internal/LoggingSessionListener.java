package io.github.mailproxy.internal;

import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link SessionListener}: one INFO line per session on logger {@code io.github.mailproxy.session},
 * in logfmt with these fields, always all of them and in this order:
 *
 * <pre>
 * session=ID proto=imap|pop3 user=USER client=IP:PORT backend=IP:PORT|- in=BYTES out=BYTES duration_ms=MILLIS outcome=OUTCOME
 * </pre>
 *
 * <p>{@code user} is the name the client gave ({@code -} when it gave none) and {@code backend} is
 * {@code -} when no backend was reached; values that are not plain tokens are quoted and escaped by
 * {@link Text#logValue}, so a user name such as {@code nobody client=203.0.113.9:4444} stays one field.
 * The field names are part of the launcher's documented output: log parsers (fail2ban) rely on them.
 */
public final class LoggingSessionListener implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.session");

    @Override
    public void sessionClosed(SessionEvent e) {
        if (LOG.isInfoEnabled()) {
            LOG.info("session={} proto={} user={} client={} backend={} in={} out={} duration_ms={} outcome={}",
                    Text.logValue(e.sessionId()), Text.logValue(e.protocol()), Text.logValue(e.user()),
                    Text.logAddress(e.clientAddress()), Text.logAddress(e.backendAddress()),
                    e.bytesFromClient(), e.bytesToClient(), e.duration().toMillis(), e.outcome());
        }
    }
}
