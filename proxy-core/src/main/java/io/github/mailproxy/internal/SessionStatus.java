package io.github.mailproxy.internal;

import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.SessionInfo.State;
import io.github.mailproxy.Ticker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * What a session shows the operator while it lives: its phase and backend, readable from any thread
 * (for {@link io.github.mailproxy.ProxyServer#sessions()}), and the timing of its login attempt in
 * progress (the PassDb lookup, the backend login), measured with the server's {@link Ticker} and
 * reported in the attempt's {@link LoginEvent}. Written on the session's loop only.
 *
 * <p>The phase and backend fields are volatile and written backend first, phase last, so a reader
 * that sees {@link State#PROXYING} also sees the backend it relays to.
 */
final class SessionStatus {

    private final Ticker ticker;
    private final Instant started = Instant.now();
    private volatile State state = State.PRE_LOGIN;
    private volatile String backendHost;
    private volatile InetSocketAddress backendAddress;

    // the login attempt in progress: loop only
    private Duration passDbLookup;
    private long backendStart = -1;
    private Duration backendLogin;
    private boolean decisionPending;
    private boolean proxiedReported;

    SessionStatus(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * @param id              the session id
     * @param protocol        its protocol
     * @param user            the user, or null
     * @param client          the client's address
     * @param bytesFromClient bytes relayed from the client
     * @param bytesToClient   bytes relayed to the client
     * @return the snapshot
     */
    SessionInfo info(String id, String protocol, String user, InetSocketAddress client, long bytesFromClient,
                     long bytesToClient) {
        State s = state;  // first: the backend fields were written before it
        return new SessionInfo(id, protocol, user, client, backendHost, backendAddress, s, started,
                bytesFromClient, bytesToClient);
    }

    State state() {
        return state;
    }

    void state(State state) {
        this.state = state;
    }

    /** A login attempt ended without a decision (a cancelled SASL exchange): no longer authenticating. */
    void attemptAbandoned() {
        if (state == State.AUTHENTICATING) {
            state = State.PRE_LOGIN;
        }
    }

    /** A login attempt asks the auth service: the attempt's timing starts afresh. */
    void authenticating() {
        if (state == State.PRE_LOGIN) {
            passDbLookup = null;
            backendLogin = null;
            backendStart = -1;
            backendHost = null;
            backendAddress = null;
            state = State.AUTHENTICATING;
        }
    }

    /** @param took how long the PassDb (behind the cache) took to answer */
    void passDbLookup(Duration took) {
        passDbLookup = took;
    }

    /** The auth service chose a backend: connecting and logging in there starts. */
    void backendConnecting() {
        backendStart = ticker.read();
        backendLogin = null;
        backendAddress = null;
        state = State.BACKEND_LOGIN;
    }

    /** @param host the backend host being tried, as the PassDb named it */
    void backendHost(String host) {
        backendHost = host;
    }

    /** @param address the backend address now connected */
    void backendConnected(InetSocketAddress address) {
        backendAddress = address;
    }

    /** The backend login client has its answer: logged in, refused or unavailable. */
    void backendLoginDone() {
        if (backendStart >= 0 && backendLogin == null) {
            backendLogin = Duration.ofNanos(ticker.read() - backendStart);
        }
    }

    /** A login outcome was recorded: the attempt's event is due (the outcome may still change in the reply). */
    void decided() {
        decisionPending = true;
    }

    /**
     * Takes the attempt's login event, if one is due, and ends the attempt.
     *
     * @param outcome the outcome as the session holds it now
     * @return the event's parts, or null if none is due
     */
    Attempt takeDecision(Outcome outcome) {
        boolean proxied = outcome == Outcome.PROXIED;
        if (!proxied && !isLoginOutcome(outcome)) {
            decisionPending = false;  // the session ended otherwise meanwhile
            return null;
        }
        if (proxied ? proxiedReported : !decisionPending) {
            return null;
        }
        decisionPending = false;
        proxiedReported |= proxied;
        backendLoginDone();
        Attempt a = new Attempt(outcome, backendStart >= 0 ? backendHost : null, backendAddress, passDbLookup,
                backendLogin);
        passDbLookup = null;
        backendLogin = null;
        backendStart = -1;
        if (!proxied && (state == State.AUTHENTICATING || state == State.BACKEND_LOGIN)) {
            state = State.PRE_LOGIN;
        }
        return a;
    }

    /**
     * @param outcome an outcome
     * @return whether it ends a login attempt that did not proxy
     */
    static boolean isLoginOutcome(Outcome outcome) {
        return outcome == Outcome.AUTH_FAILED || outcome == Outcome.TEMPORARY_FAILURE || outcome == Outcome.REFERRED;
    }

    /**
     * The parts of a {@link LoginEvent} the status knows.
     *
     * @param outcome        the attempt's outcome
     * @param backendHost    the backend host tried, or null
     * @param backendAddress the backend address reached, or null
     * @param passDbLookup   the lookup's time, or null
     * @param backendLogin   the backend login's time, or null
     */
    record Attempt(Outcome outcome, String backendHost, InetSocketAddress backendAddress, Duration passDbLookup,
                   Duration backendLogin) {
    }
}
