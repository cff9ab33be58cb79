package io.github.mailproxy.spi;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.SessionEvent;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * One client session as a protocol module sees it: the client connection, the auth service, the
 * backend connector and the relay. Implemented by the core. Every method must be called on the
 * session's event loop (the thread that calls the {@link ClientHandler}).
 */
public interface ClientSession {

    /** @return the proxy's id of this session, also sent to trusted backends */
    String id();

    /** @return the protocol's name, {@code imap} or {@code pop3} */
    String protocol();

    /** @return the client's address */
    InetSocketAddress clientAddress();

    /** @return the address the client connected to */
    InetSocketAddress localAddress();

    /** @return whether the client connection is encrypted now */
    boolean secured();

    /**
     * @return whether the client connects from the server's login trusted networks (Dovecot's
     *         {@code login_trusted_networks}): it skips auth penalties and per-address limits, and may
     *         name the client it speaks for with {@link #originatingClient} and pass a proxy TTL with
     *         {@link #incomingProxyTtl}
     */
    boolean clientTrusted();

    /**
     * A trusted client (a webmail server, another proxy) names the client it speaks for (IMAP
     * {@code ID x-originating-ip}/{@code x-originating-port}, POP3 {@code XCLIENT ADDR}/{@code PORT}).
     * From then on {@link #clientAddress()} returns it: in logs, PassDb variables and what is
     * forwarded to the backend. Ignored, and logged, when the client is not trusted.
     *
     * @param address the originating client's address
     */
    void originatingClient(InetSocketAddress address);

    /**
     * A trusted client passes on the proxy hop count it was given (Dovecot's {@code x-proxy-ttl} in
     * IMAP {@code ID}, POP3 {@code XCLIENT TTL}). Ignored unless {@link #clientTrusted()}.
     *
     * @param ttl the hop count left, as the client sent it
     */
    void incomingProxyTtl(int ttl);

    /**
     * @return the hop count this session has: the one a trusted client passed in, else the server's
     *         {@link SessionSettings#proxyTtl()}. Send one less to the backend; at zero the core
     *         refuses to connect to a backend (a proxy loop)
     */
    int proxyTtl();

    /** @return whether STARTTLS/STLS may be offered: a STARTTLS listener, not yet encrypted */
    boolean startTlsAvailable();

    /** @return whether plaintext authentication is allowed on this connection now */
    boolean plaintextAuthAllowed();

    /**
     * The SASL mechanisms to advertise and accept now: those of the auth strategy, less the
     * plaintext ones when {@link #plaintextAuthAllowed()} is false.
     *
     * @return upper-case mechanism names, in a stable order
     */
    Set<String> mechanisms();

    /** @return the limits and options that apply to this session */
    SessionSettings settings();

    /**
     * Passes capabilities through the server's {@link CapabilityFilter}.
     *
     * @param phase        before or after login
     * @param capabilities the capabilities
     * @return the ones to advertise
     */
    List<String> filterCapabilities(CapabilityFilter.Phase phase, List<String> capabilities);

    /**
     * Queues bytes for the client, sent in order after everything queued before.
     *
     * @param bytes the bytes; the array is not kept
     */
    void write(byte[] bytes);

    /**
     * Queues text for the client, encoded as UTF-8.
     *
     * @param text the text, with its own line ends
     */
    void write(String text);

    /**
     * Starts the TLS handshake once everything queued so far is written. Input the client sent
     * after the STARTTLS command, before the handshake, is discarded (RFC 3207-style injection).
     * Return from {@link ClientHandler#onInput} right after calling this.
     *
     * @throws IllegalStateException if {@link #startTlsAvailable()} is false
     */
    void startTls();

    /**
     * Builds an auth request for this session.
     *
     * @param user      the user as the client gave it
     * @param password  the plaintext password, or {@code null}
     * @param mechanism the mechanism, upper case
     * @return the request
     */
    AuthRequest authRequest(String user, String password, String mechanism);

    /** @return the password schemes the auth strategy checks stored passwords with */
    PasswordScheme passwordScheme();

    /**
     * Records who is logging in, for the session event.
     *
     * @param user the user name as given
     */
    void user(String user);

    /**
     * Records how the session is ending so far, for the session event.
     *
     * @param outcome the outcome
     */
    void outcome(SessionEvent.Outcome outcome);

    /** Closes the session once everything queued for the client is written. */
    void close();

    /**
     * The session's login flow, made by the core with the protocol's {@link Protocol#newBackendLogin}:
     * the only way a handler logs a client in, and the only holder of the calls that pause input,
     * ask the auth service, connect the backend and start the relay ({@link LoginFlow.Host}).
     *
     * @return the same flow on every call
     */
    LoginFlow login();
}
