package io.github.mailproxy.spi;

/**
 * A mail protocol the proxy can serve, as a protocol module (IMAP, POP3) provides it. Core knows no
 * protocol: for each accepted client it asks the protocol for a {@link ClientHandler}, which runs
 * the pre-login conversation, logs in to the backend with a {@link BackendHandler} of its own, and
 * then hands both connections to the core's relay.
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
}
