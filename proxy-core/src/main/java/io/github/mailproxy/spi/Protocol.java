package io.github.mailproxy.spi;

/**
 * A mail protocol the proxy can serve, as a protocol module (IMAP, POP3) provides it. Core knows no
 * protocol: for each accepted client it asks the protocol for a {@link ClientHandler}, which runs
 * the pre-login conversation and hands each login to a {@link LoginFlow}; the flow logs in to the
 * backend with the protocol's {@link BackendLogin} ({@link #newBackendLogin}) and then hands both
 * connections to the core's relay.
 */
public interface Protocol {

    /** @return the service name, lower case: {@code imap} or {@code pop3} (Dovecot's {@code %s}) */
    String name();

    /** @return the backend port used when the PassDb gives none (143 for IMAP, 110 for POP3) */
    int defaultBackendPort();

    /**
     * Makes the handler of a newly accepted client connection. Called on the session's event loop.
     *
     * @param session the session; the handler talks to the client and the core through it
     * @return the handler
     */
    ClientHandler newClientHandler(ClientSession session);

    /**
     * Makes the client that logs in to a backend for a proxied login. Called on the session's loop,
     * by the {@link LoginFlow}.
     *
     * @param session     the client's session
     * @param credentials how to log in
     * @param target      where the session connects (its TLS mode, whether to forward the client's address)
     * @param done        told the result, once, on the session's loop
     * @return the login client, which the flow passes to {@link LoginFlow.Host#connectBackend}
     * @throws UnsupportedOperationException for a protocol without backend logins (the default)
     */
    default BackendLogin newBackendLogin(ClientSession session, io.github.mailproxy.BackendCredentials credentials,
                                         io.github.mailproxy.BackendTarget target,
                                         java.util.function.Consumer<BackendLoginResult> done) {
        throw new UnsupportedOperationException(name() + " has no backend login");
    }
}
