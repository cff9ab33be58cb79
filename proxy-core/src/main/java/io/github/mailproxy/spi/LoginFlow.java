package io.github.mailproxy.spi;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendTarget;
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
 * SASL exchange), runs SASL exchanges through a {@link SaslServer}, connects the backend and runs the protocol's {@link BackendLogin}, and starts
 * the relay once the backend has accepted. The protocol supplies its wording through
 * {@link LoginReplies} and its backend login client through {@link Protocol#newBackendLogin}.
 *
 * <pre>{@code
 * LoginFlow flow = session.login();
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

    /**
     * What only the login flow may do with a session, apart from {@link ClientSession}: the core
     * implements it and makes the flow ({@link ClientSession#login()}); protocol handlers never see it.
     * Called on the session's event loop only.
     */
    public interface Host {

        /** Stops calling {@link ClientHandler#onInput} (and reading from the client) until resumed. */
        void pauseInput();

        /** Resumes input; input already buffered is offered again soon, on the event loop. */
        void resumeInput();

        /**
         * Runs a login through the auth cache, the PassDb and the auth strategy. The stage completes on
         * this session's event loop; a failure of the PassDb or strategy becomes a temporary
         * {@link AuthDecision.Reject}.
         *
         * @param request the login attempt
         * @return the decision
         */
        CompletionStage<AuthDecision> authenticate(AuthRequest request);

        /**
         * Looks a user up (through the auth cache) without deciding anything: for mechanisms that need
         * the stored secret before they can check the client (CRAM-MD5, SCRAM, APOP). Verify the client
         * with {@link ClientSession#passwordScheme()}, then call {@link #authorize} with {@link AuthRequest#verified()}.
         * The stage completes on this session's loop; a failing PassDb gives a temporary failure result.
         *
         * @param request the login attempt (its password is {@code null})
         * @return what the PassDb said
         */
        CompletionStage<PassDbResult> lookup(AuthRequest request);

        /**
         * Lets the auth strategy decide a login whose credentials the protocol module has verified
         * itself against {@code result}. Completes on this session's loop; an
         * {@link AuthDecision.Failure#AUTH_FAILED} decision comes after the failure delay.
         *
         * @param request the login, normally {@link AuthRequest#verified()}
         * @param result  what {@link #lookup} returned
         * @return the decision
         */
        CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result);

        /**
         * Runs CPU-heavy work (hashing, key derivation) off the event loop.
         *
         * @param work the work
         * @param <T>  its result type
         * @return a stage completed with the result on this session's loop (exceptionally if the work
         *         failed or could not be queued)
         */
        <T> CompletionStage<T> offload(java.util.function.Supplier<T> work);

        /**
         * Runs a failure reply after the server's auth failure delay (Dovecot's {@code auth_failure_delay}),
         * on this session's loop, without blocking it. {@link #authenticate} already delays its
         * {@link AuthDecision.Failure#AUTH_FAILED} decisions; the {@link LoginFlow} uses this when the
         * backend or a SASL exchange refuses the password, so that every failed login looks the same. Each call counts one failed
         * login against the client's address (Dovecot's auth penalty), which lengthens the delay of its
         * next failures: call it once per failed login, and only for failed logins.
         *
         * @param reply what to do once the delay is over; skipped if the session has closed by then
         */
        void afterFailureDelay(Runnable reply);

        /**
         * Connects to a backend, trying the target's hosts in order, each within the connect timeout.
         * The handler's calls come on this session's event loop.
         *
         * @param target  where to connect
         * @param handler the protocol's login client
         */
        void connectBackend(BackendTarget target, BackendHandler handler);

        /**
         * The target as this server connects to it: the server's defaults applied where the PassDb
         * left a choice open (whether to send a PROXY protocol header).
         *
         * @param target the target of a proxy decision
         * @return the target to log in to and connect to
         */
        default BackendTarget backendTarget(BackendTarget target) {
            return target;
        }

        /**
         * Ends the pre-login phase: from now on bytes are relayed both ways, starting with any input
         * already buffered on either side, until one side closes. No further handler calls follow
         * except {@link ClientHandler#onClosed()}.
         *
         * @param backend the logged-in backend connection
         */
        void startRelay(BackendConnection backend);

        /**
         * A login attempt has ended without proxying and its reply is written: the core reports the
         * decision to the session listeners (if the attempt got one: a cancelled SASL exchange has
         * none). The default does nothing.
         */
        default void loginEnded() {
        }

        /** The backend login client has its answer (logged in, refused, unavailable). The default does nothing. */
        default void backendLoginDone() {
        }

        /**
         * @return the post-login capabilities of the server's local handler for this protocol, or
         *         {@code null} when it has none (a local login then fails temporarily)
         */
        java.util.List<String> localCapabilities();

        /**
         * Ends the pre-login phase: the client, logged in, goes to the server's local handler, with
         * any input already buffered. No further handler calls follow except {@link ClientHandler#onClosed()}.
         *
         * @param user the authenticated user
         * @param tag  the login command's tag ({@link LoginReplies#tag()}), or {@code null}
         */
        void startLocal(String user, String tag);
    }

    private final ClientSession session;
    private final Host host;
    private final Protocol protocol;
    private State state = State.IDLE;
    /** Counts logins, so that a late answer for an abandoned one is dropped. */
    private int attempt;
    private BackendLogin backendLogin;
    private SaslServer sasl;

    /**
     * Made by the core, one per session; handlers get it from {@link ClientSession#login()}.
     *
     * @param session  the client's session
     * @param host     the calls only the flow makes
     * @param protocol makes the backend login client
     */
    public LoginFlow(ClientSession session, Host host, Protocol protocol) {
        this.session = session;
        this.host = host;
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
        decide(host.authenticate(request), replies);
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
        host.lookup(request).whenComplete((found, failure) -> guarded(mine, replies, () ->
                then.accept(failure == null && found != null ? found : PassDbResult.temporaryFailure("passdb lookup failed"))));
    }

    /**
     * Acts on a decision of the auth service once it comes: proxies, or answers the client.
     *
     * @param decision the auth service's decision ({@link Host#authenticate} or
     *                 {@link Host#authorize}); a failed or empty one is a temporary failure
     * @param replies  the protocol's wording for this login
     */
    public void decide(CompletionStage<AuthDecision> decision, LoginReplies replies) {
        int mine = pause();
        decision.whenComplete((d, failure) -> guarded(mine, replies, () -> decided(d, failure, replies)));
    }

    /**
     * Lets the auth strategy decide a login the protocol has verified itself (APOP) against what
     * {@link #lookup} found, and acts on the decision as {@link #decide} does.
     *
     * @param request the login, {@link AuthRequest#verified()} when the proof matched
     * @param result  what the PassDb said
     * @param replies the protocol's wording for this login
     */
    public void authorize(AuthRequest request, PassDbResult result, LoginReplies replies) {
        decide(host.authorize(request, result), replies);
    }

    /**
     * Refuses a login the auth service never decided (bad SASL data, a NUL in the credentials, a
     * wrong digest), after the same delay as every other refusal.
     *
     * @param replies the protocol's wording for this login
     */
    public void refuse(LoginReplies replies) {
        int mine = pause();
        host.afterFailureDelay(() -> guarded(mine, replies, () -> end(Outcome.AUTH_FAILED, replies::authFailed)));
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
     * Starts a SASL exchange (IMAP AUTHENTICATE, POP3 AUTH) run by a {@link SaslServer}: its
     * challenges go out through {@link LoginReplies#challenge}, and the protocol feeds it each client
     * response line with {@link #saslResponse}. The exchange ends with {@link LoginReplies#saslEnded},
     * then a login (plaintext credentials go through the auth service like LOGIN's, a verified
     * mechanism's proof is checked against the stored secret), a refusal after the failure delay,
     * {@link LoginReplies#saslInvalid} or {@link LoginReplies#saslCancelled}.
     *
     * @param mechanism       one of {@link SaslServer#MECHANISMS}
     * @param initialResponse the command's initial response, {@code =} for an empty one; {@code null} for none
     * @param replies         the protocol's wording for this login
     */
    public void startSasl(String mechanism, String initialResponse, LoginReplies replies) {
        SaslServer server = SaslServer.start(session, host, mechanism);
        sasl = server;
        saslStage(server, server.begin(initialResponse), replies);
    }

    /**
     * Gives the SASL exchange in progress the client's next response.
     *
     * @param line    the response line without its line end: base64, or {@code *} to cancel
     * @param replies the protocol's wording for this login
     */
    public void saslResponse(String line, LoginReplies replies) {
        SaslServer server = sasl;
        if (server == null) {
            throw new IllegalStateException("no SASL exchange in progress");
        }
        saslStage(server, server.respond(line), replies);
    }

    /** Drops the SASL exchange in progress without a reply (the protocol has answered, e.g. a line too long). */
    public void cancelSasl() {
        sasl = null;
    }

    private void saslStage(SaslServer server, CompletionStage<SaslStep> stage, LoginReplies replies) {
        java.util.concurrent.CompletableFuture<SaslStep> now = stage.toCompletableFuture();
        if (now.isDone() && !now.isCompletedExceptionally() && now.join() != null) {
            saslStep(now.join(), replies);
            return;
        }
        // a PassDb lookup or a key derivation: read nothing until it is done
        int mine = pause();
        stage.whenComplete((step, failure) -> guarded(mine, replies, () -> {
            if (sasl != server) {
                return;
            }
            if (failure != null || step == null) {
                LOG.warn("session={} msg=\"sasl step failed\" error={}", session.id(),
                        failure == null ? "no-step" : failure.getClass().getName());
                saslStep(new SaslStep.Failed(SaslStep.Reason.UNAVAILABLE), replies);
            } else {
                saslStep(step, replies);
            }
        }));
    }

    private void saslStep(SaslStep step, LoginReplies replies) {
        if (step instanceof SaslStep.Challenge challenge) {
            idle(() -> replies.challenge(challenge.base64()));
            return;
        }
        String mechanism = sasl.mechanism();
        sasl = null;
        replies.saslEnded();
        if (step instanceof SaslStep.Credentials credentials) {
            Sasl.PlainCredentials c = credentials.credentials();
            authenticate(session.authRequest(c.authenticationId(), c.password(), mechanism)
                    .withClientBytes(c.authenticationIdBytes(), c.passwordBytes()), replies);
        } else if (step instanceof SaslStep.Authorize a) {
            decide(host.authorize(a.request(), a.result()), replies);
        } else if (step instanceof SaslStep.Cancelled) {
            idle(replies::saslCancelled);
            host.loginEnded();
        } else if (step instanceof SaslStep.Failed f) {
            switch (f.reason()) {
                case REFUSED -> refuse(replies);
                case UNAVAILABLE -> unavailable(replies);
                case MALFORMED, INITIAL_RESPONSE_NOT_ALLOWED -> {
                    idle(() -> replies.saslInvalid(f.reason()));
                    host.loginEnded();
                }
            }
        }
    }

    /** Answers the client without ending a login, and takes input again if a step had paused it. */
    private void idle(Runnable reply) {
        boolean waiting = state == State.BUSY;
        state = State.IDLE;
        reply.run();
        if (waiting && state == State.IDLE) {
            host.resumeInput();
        }
    }

    /** The client has gone (or timed out, or the server shuts down): drop the login in progress. */
    public void abandon() {
        state = State.ENDED;
        attempt++;
        sasl = null;
        if (backendLogin != null) {
            backendLogin.abandon();
            backendLogin = null;
        }
    }

    private int pause() {
        state = State.BUSY;
        host.pauseInput();
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
            BackendTarget target = host.backendTarget(proxy.target());
            backendLogin = protocol.newBackendLogin(session, proxy.credentials(), target,
                    result -> guarded(mine, replies, () -> backendDone(result, replies)));
            host.connectBackend(target, backendLogin);
        } else if (decision instanceof AuthDecision.Reject reject) {
            switch (reject.failure()) {
                case AUTH_FAILED -> end(Outcome.AUTH_FAILED, replies::authFailed);  // delayed by the auth service
                case TEMPORARY -> end(Outcome.TEMPORARY_FAILURE, () -> replies.temporaryFailure(reject.reason()));
                case MECHANISM_NOT_SUPPORTED -> end(Outcome.AUTH_FAILED, () -> replies.mechanismNotSupported(reject.reason()));
                case LOGIN_DISABLED -> end(Outcome.AUTH_FAILED, () -> replies.loginDisabled(reject.reason()));
            }
        } else if (decision instanceof AuthDecision.Referral referral) {
            end(Outcome.REFERRED, () -> replies.referral(referral));
        } else if (decision instanceof AuthDecision.Local local) {
            startLocal(local, replies);
        }
    }

    /** The proxy answers the login itself (the handler cannot get it wrong), then hands the session over. */
    private void startLocal(AuthDecision.Local local, LoginReplies replies) {
        java.util.List<String> capabilities = host.localCapabilities();
        if (capabilities == null) {
            LOG.warn("session={} msg=\"local user, but no local handler for the protocol\" protocol={}",
                    session.id(), session.protocol());
            end(Outcome.TEMPORARY_FAILURE, replies::unavailable);
            return;
        }
        state = State.LOGGED_IN;
        session.outcome(Outcome.LOCAL);
        replies.loggedInLocally(session.filterCapabilities(io.github.mailproxy.CapabilityFilter.Phase.POST_LOGIN,
                capabilities));
        host.startLocal(local.user(), replies.tag());
    }

    private void backendDone(BackendLoginResult result, LoginReplies replies) {
        backendLogin = null;
        host.backendLoginDone();
        if (result instanceof BackendLoginResult.LoggedIn loggedIn) {
            state = State.LOGGED_IN;
            session.outcome(Outcome.PROXIED);
            replies.loggedIn(loggedIn);
            host.startRelay(loggedIn.connection());
        } else if (result instanceof BackendLoginResult.Unavailable unavailable) {
            end(Outcome.TEMPORARY_FAILURE, () -> replies.backendUnavailable(unavailable.code()));
        } else {
            // Refused: a wrong password must look the same whether the PassDb or the backend refused it
            int mine = attempt;
            host.afterFailureDelay(() -> guarded(mine, replies, () -> end(Outcome.AUTH_FAILED, replies::authFailed)));
        }
    }

    /** Answers the client, and takes commands again unless the reply closed the session. */
    private void end(Outcome outcome, Runnable reply) {
        state = State.IDLE;
        sasl = null;
        session.outcome(outcome);
        reply.run();
        host.loginEnded();
        if (state == State.IDLE) {
            host.resumeInput();
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

    @Override
    public String toString() {
        return "LoginFlow[" + session.id() + ", " + state + "]";
    }
}
