package io.github.mailproxy.spi;

import io.github.mailproxy.AuthDecision;

/**
 * A protocol's wording of how one login ended, for the {@link LoginFlow}. One object per login
 * attempt (an IMAP one knows its command's tag). The flow has recorded the session outcome and
 * will resume client input after each call; an implementation only writes its reply (and may
 * close the session, after too many failures).
 */
public interface LoginReplies {

    /** The credentials were refused (by the PassDb, the strategy, the backend or the exchange); the delay is over. */
    void authFailed();

    /**
     * The login cannot be decided now (PassDb down, strategy failure).
     *
     * @param reason the strategy's text for the client, or {@code null}
     */
    void temporaryFailure(String reason);

    /**
     * The strategy cannot serve the mechanism used.
     *
     * @param reason the strategy's text for the client, or {@code null}
     */
    void mechanismNotSupported(String reason);

    /**
     * Logins of the account are disabled (Dovecot's {@code nologin} without {@code host}).
     *
     * @param reason the PassDb's text for the client, or {@code null}
     */
    void loginDisabled(String reason);

    /**
     * The user is served elsewhere (RFC 2221 referral).
     *
     * @param referral where
     */
    void referral(AuthDecision.Referral referral);

    /** The account cannot be served here now (a local login, a stored secret the proxy cannot use). */
    void unavailable();

    /**
     * The backend could not be reached or logged in to.
     *
     * @param code a response code the backend login client passed on, or {@code null}
     */
    void backendUnavailable(String code);

    /**
     * The backend accepted the login; the relay starts right after this reply.
     *
     * @param result what the backend said
     */
    void loggedIn(BackendLoginResult.LoggedIn result);

    /**
     * The user is served by the server's local handler, which takes the session right after this
     * reply: IMAP's tagged OK with the capabilities, POP3's {@code +OK}.
     *
     * @param capabilities the local handler's capabilities after login, filtered; empty for none
     */
    void loggedInLocally(java.util.List<String> capabilities);

    /** @return the login command's tag, handed to the local handler; {@code null} for protocols without tags */
    default String tag() {
        return null;
    }

    /**
     * A SASL exchange sends a challenge; the client's next response
     * goes to the exchange.
     *
     * @param base64 the challenge
     */
    void challenge(String base64);

    /**
     * A SASL exchange broke the protocol (a response not in base64, an initial response to a
     * server-first mechanism): the protocol's error reply, at once.
     *
     * @param reason {@link SaslStep.Reason#MALFORMED} or {@link SaslStep.Reason#INITIAL_RESPONSE_NOT_ALLOWED}
     */
    void saslInvalid(SaslStep.Reason reason);

    /** The client cancelled a SASL exchange with {@code *}: RFC 3501's tagged BAD, RFC 5034's {@code -ERR}. */
    void saslCancelled();

    /** A SASL exchange has ended: the next client line is a command again. */
    void saslEnded();

    /** A bug ended the login: say goodbye; the flow closes the session. */
    void internalError();
}
