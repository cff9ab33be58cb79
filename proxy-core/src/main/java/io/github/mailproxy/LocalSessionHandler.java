package io.github.mailproxy;

import java.util.List;

/**
 * Serves, in the embedding application, the users the {@link AuthStrategy} decides to keep here
 * ({@link AuthDecision.Local}: Dovecot's {@code proxy_maybe} to one of this server's addresses, or a
 * found user without {@code proxy} and {@code host}). Registered per protocol with
 * {@link ProxyServer.Builder#localHandler(String, LocalSessionHandler)}; without one, such a login gets
 * a temporary failure (IMAP {@code NO [UNAVAILABLE]}, POP3 {@code -ERR [SYS/TEMP]}) and a log line.
 *
 * <p>The proxy answers the login command itself, so that no handler can get the reply wrong or late:
 * IMAP {@code <tag> OK [CAPABILITY ...] Logged in} with {@link #capabilities()} passed through the
 * server's {@link CapabilityFilter} (phase {@link CapabilityFilter.Phase#POST_LOGIN}; an empty list
 * leaves the code out, and the client asks with {@code CAPABILITY}), POP3 {@code +OK Logged in.}.
 * Then it calls {@link #open}: the handler serves the session from the authenticated (IMAP) or
 * transaction (POP3) state on.
 *
 * <p>A local login needs credentials the proxy verified: password forwarding leaves the check to a
 * backend, and there is none here. So a local decision is honoured only when the protocol verified
 * the client's proof itself (CRAM-MD5, SCRAM, APOP) or the PassDb result held a password, which the
 * built-in strategies check (not {@code nopassword}); otherwise the client gets a temporary failure
 * and the log says why.
 *
 * <p>For servers written on blocking streams, {@link LocalStreams#handler} makes a handler.
 */
public interface LocalSessionHandler {

    /**
     * The capabilities the client is told in IMAP's tagged OK; ignored for POP3. Called on an event
     * loop for every local login: return a fixed list.
     *
     * @return the capabilities after login, e.g. {@code IMAP4rev1 IDLE}; default none
     */
    default List<String> capabilities() {
        return List.of();
    }

    /**
     * A local session starts; the login reply has been queued. Called on the session's event loop:
     * do not block (hand blocking work to a thread of your own, as {@link LocalStreams} does).
     *
     * @param session the session
     * @return what receives its input and close; not null
     */
    LocalSession.Receiver open(LocalSession session);
}
