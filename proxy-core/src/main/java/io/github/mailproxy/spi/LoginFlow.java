package io.github.mailproxy.spi;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.SessionEvent.Outcome;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's logins, the same for every protocol: pauses client input while a login is busy,
 * asks the auth service, acts on its decision (proxy, reject, referral, local), holds every
 * refusal back for the failure delay whoever refused (the PassDb, the strategy, the backend, a
 * SASL exchange), connects the backend and runs the protocol's {@link BackendLogin}, and starts
 * the relay once the backend has accepted. The protocol supplies its wording through
 * {@link LoginReplies} and its backend login client through {@link Protocol#newBackendLogin}.
 *
 * <pre>{@code
 * LoginFlow flow = new LoginFlow(session, ImapProtocol.instance());
 * // in the handler, for LOGIN user pass:
 * flow.authenticate(session.authRequest(user, pass, "LOGIN"), new Replies(tag));
 * // and while flow.busy(), read no commands
 * }</pre>
 *
 * <p>Called on the session's event loop only; the asynchronous steps come back there.
 */
public final class LoginFlow {

    private static final Logger LOG = LoggerFactory.getLogger(LoginFlow.class);

    private enum State { IDLE, BUSY, LOGGED_IN, ENDED }

    private final ClientSession session;
    private final Protocol protocol;
    private State state = State.IDLE;
    /** Counts logins, so that a late answer for an abandoned one is dropped. */
    private int attempt;
    private BackendLogin backendLogin;
    private VerifiedSasl verified;

    /**
     * @param session  the client's session
     * @param protocol makes the backend login client
     */
    public LoginFlow(ClientSession session, Protocol protocol) {
        this.session = session;
        this.protocol = protocol;
    }

    /** @return whether a login is in progress (client input is paused) or done: read no commands */
    public boolean busy() {
        return state != State.IDLE;
    }

    /**
     * Runs a login with credentials the client sent in the clear (LOGIN, PLAIN, USER/PASS):
     * through the auth cache, the PassDb and the strategy.
     *
     * @param request the login
     * @param replies the protocol's wording for this login
     */
    public void authenticate(AuthRequest request, LoginReplies replies) {
        session.user(request.user());
        decide(session.authenticate(request), replies);
    }

    /**
     * Looks the user up for a mechanism the protocol verifies itself (APOP); the protocol goes on
     * with {@link #decide}, {@link #refuse} or {@link #unavailable}.
     *
     * @param request the login, without password
     * @param replies the protocol's wording for this login
     * @param then    gets what the PassDb said (a temporary failure if it failed), on the loop,
     *                unless the client has gone meanwhile
     */
    public void lookup(AuthRequest request, LoginReplies replies, Consumer<PassDbResult> then) {
        session.user(request.user());
        int mine = pause();
        session.lookup(request).whenComplete((found, failure) -> guarded(mine, replies, () ->
                then.accept(failure == null && found != null ? found : PassDbResult.temporaryFailure("passdb lookup failed"))));
    }

    /**
     * Acts on a decision of the auth service once it comes: proxies, or answers the client.
     *
     * @param decision the auth service's decision ({@link ClientSession#authenticate} or
     *                 {@link ClientSession#authorize}); a failed or empty one is a temporary failure
     * @param replies  the protocol's wording for this login
     */
    public void decide(CompletionStage<AuthDecision> decision, LoginReplies replies) {
        int mine = pause();
        decision.whenComplete((d, failure) -> guarded(mine, replies, () -> decided(d, failure, replies)));
    }

    /**
     * Refuses a login the auth service never decided (bad SASL data, a NUL in the credentials, a
     * wrong digest), after the same delay as every other refusal.
     *
     * @param replies the protocol's wording for this login
     */
    public void refuse(LoginReplies replies) {
        int mine = pause();
        session.afterFailureDelay(() -> guarded(mine, replies, () -> end(Outcome.AUTH_FAILED, replies::authFailed)));
    }

    /**
     * Ends a login at once as temporarily unavailable (a stored secret the proxy cannot use).
     *
     * @param replies the protocol's wording for this login
     */
    public void unavailable(LoginReplies replies) {
        pause();
        end(Outcome.TEMPORARY_FAILURE, replies::unavailable);
    }

    /**
     * Starts a CRAM-MD5 or SCRAM exchange, which the proxy verifies against the stored secret. Its
     * challenges go out through {@link LoginReplies#challenge}; the protocol feeds it the client's
     * decoded responses with {@link VerifiedSasl#respond}.
     *
     * @param mechanism {@code CRAM-MD5}, {@code SCRAM-SHA-1} or {@code SCRAM-SHA-256}
     * @param replies   the protocol's wording for this login
     * @return the exchange
     */
    public VerifiedSasl startVerified(String mechanism, LoginReplies replies) {
        VerifiedSasl exchange = VerifiedSasl.start(session, new Host(replies), mechanism);
        verified = exchange;
        return exchange;
    }

    /** The client has gone (or timed out, or the server shuts down): drop the login in progress. */
    public void abandon() {
        state = State.ENDED;
        attempt++;
        verified = null;
        if (backendLogin != null) {
            backendLogin.abandon();
            backendLogin = null;
        }
    }

    private int pause() {
        state = State.BUSY;
        session.pauseInput();
        return ++attempt;
    }

    private void decided(AuthDecision decision, Throwable failure, LoginReplies replies) {
        if (failure != null || decision == null) {
            // the exception's text may carry what the PassDb was given: log its type only
            LOG.warn("session={} msg=\"auth service failed\" error={}", session.id(),
                    failure == null ? "no-decision" : failure.getClass().getName());
            end(Outcome.TEMPORARY_FAILURE, () -> replies.temporaryFailure(null));
            return;
        }
        if (decision instanceof AuthDecision.Proxy proxy) {
            int mine = attempt;
            backendLogin = protocol.newBackendLogin(session, proxy.credentials(), proxy.target(),
                    result -> guarded(mine, replies, () -> backendDone(result, replies)));
            session.connectBackend(proxy.target(), backendLogin);
        } else if (decision instanceof AuthDecision.Reject reject) {
            switch (reject.failure()) {
                case AUTH_FAILED -> end(Outcome.AUTH_FAILED, replies::authFailed);  // delayed by the auth service
                case TEMPORARY -> end(Outcome.TEMPORARY_FAILURE, () -> replies.temporaryFailure(reject.reason()));
                case MECHANISM_NOT_SUPPORTED -> end(Outcome.AUTH_FAILED, () -> replies.mechanismNotSupported(reject.reason()));
                case LOGIN_DISABLED -> end(Outcome.AUTH_FAILED, () -> replies.loginDisabled(reject.reason()));
            }
        } else if (decision instanceof AuthDecision.Referral referral) {
            end(Outcome.REFERRED, () -> replies.referral(referral));
        } else {
            // AuthDecision.Local: serving a user in-process is not offered yet
            end(Outcome.TEMPORARY_FAILURE, replies::unavailable);
        }
    }

    private void backendDone(BackendLoginResult result, LoginReplies replies) {
        backendLogin = null;
        if (result instanceof BackendLoginResult.LoggedIn loggedIn) {
            state = State.LOGGED_IN;
            session.outcome(Outcome.PROXIED);
            replies.loggedIn(loggedIn);
            session.startRelay(loggedIn.connection());
        } else if (result instanceof BackendLoginResult.Unavailable unavailable) {
            end(Outcome.TEMPORARY_FAILURE, () -> replies.backendUnavailable(unavailable.code()));
        } else {
            // Refused: a wrong password must look the same whether the PassDb or the backend refused it
            int mine = attempt;
            session.afterFailureDelay(() -> guarded(mine, replies, () -> end(Outcome.AUTH_FAILED, replies::authFailed)));
        }
    }

    /** Answers the client, and takes commands again unless the reply closed the session. */
    private void end(Outcome outcome, Runnable reply) {
        state = State.IDLE;
        verified = null;
        session.outcome(outcome);
        reply.run();
        if (state == State.IDLE) {
            session.resumeInput();
        }
    }

    /**
     * Runs a step that completes a stage or a delay, where an exception would vanish, if it still
     * belongs to the login in progress: a bug costs this session only, and the client learns
     * nothing of it.
     */
    private void guarded(int mine, LoginReplies replies, Runnable step) {
        if (mine != attempt || state != State.BUSY) {
            return; // the client left, or the login was abandoned meanwhile
        }
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.error("session {}: internal error in the {} login", session.id(), session.protocol(), e);
            abandon();
            replies.internalError();
            session.close();
        }
    }

    /** Lets a {@link VerifiedSasl} exchange drive the login: pauses, challenges and its end. */
    private final class Host implements VerifiedSasl.Host {
        private final LoginReplies replies;

        Host(LoginReplies replies) {
            this.replies = replies;
        }

        @Override
        public void challenge(String base64) {
            boolean waiting = state == State.BUSY;
            state = State.IDLE;
            replies.challenge(base64);
            if (waiting) {
                session.resumeInput();
            }
        }

        @Override
        public void await() {
            pause();
        }

        @Override
        public void refuse() {
            replies.saslEnded();
            LoginFlow.this.refuse(replies);
        }

        @Override
        public void unavailable() {
            replies.saslEnded();
            LoginFlow.this.unavailable(replies);
        }

        @Override
        public void decided(CompletionStage<AuthDecision> decision) {
            replies.saslEnded();
            decide(decision, replies);
        }

        @Override
        public void resume(VerifiedSasl exchange, Runnable step) {
            guarded(attempt, replies, () -> {
                if (verified == exchange) {
                    step.run();
                }
            });
        }
    }

    @Override
    public String toString() {
        return "LoginFlow[" + session.id() + ", " + state + "]";
    }
}
