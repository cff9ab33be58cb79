package io.github.mailproxy.pop3;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientInput;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.CramMd5;
import io.github.mailproxy.spi.LoginFlow;
import io.github.mailproxy.spi.LoginReplies;
import io.github.mailproxy.spi.SaslServer;
import io.github.mailproxy.spi.SaslStep;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POP3 AUTHORIZATION state (RFC 1939 section 4) of one client session: greeting, CAPA
 * (RFC 2449), USER/PASS, APOP (RFC 1939 section 7), AUTH (RFC 5034), STLS (RFC 2595) and QUIT;
 * every other command gets {@code -ERR}. A login goes to the {@link LoginFlow}, with the POP3 wording
 * of its replies; a proxied one continues in {@link Pop3BackendLogin}. AUTH runs PLAIN, LOGIN, CRAM-MD5 and SCRAM-SHA-1/256
 * through the flow's {@link SaslServer}; APOP, which the proxy verifies itself against the stored
 * password (master-user mode), through {@link ApopDigest}. Commands the client pipelined behind a login stay in the input and reach the
 * backend through the relay.
 */
final class Pop3ClientHandler implements ClientHandler {

    static final String GREETING = "+OK mailproxy ready.";
    /** The greeting to a trusted client: Dovecot's pop3-login offers XCLIENT this way. */
    static final String TRUSTED_GREETING = "+OK [XCLIENT] mailproxy ready.";
    static final String PLAINTEXT_DISALLOWED = "[AUTH] Plaintext authentication disallowed on non-secure connections.";
    static final String TEMPORARY_FAILURE = "[SYS/TEMP] Temporary authentication failure.";

    /** The SASL mechanisms this module runs; others the strategy offers are neither listed nor accepted. */
    static final Set<String> SASL_MECHANISMS =
            SaslServer.MECHANISMS;
    /** The strategy's name for APOP, which is no SASL mechanism and is offered by the greeting's timestamp. */
    static final String APOP = "APOP";

    private static final Logger LOG = LoggerFactory.getLogger(Pop3ClientHandler.class);
    private static final String USER_PASS_MECHANISM = "LOGIN"; // as AuthRequest names USER/PASS
    private static final Set<String> TRANSACTION_COMMANDS =
            Set.of("STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "LAST");

    /** Where the conversation is. */
    private enum State {
        /** Reading commands. */
        READY,
        /** Reading SASL responses. */
        SASL,
        /** Logged out, closed, or relaying: nothing more to do here. */
        DONE
    }

    private final ClientSession session;
    private final Pop3CommandReader reader;
    private State state = State.READY;
    private String pendingUser;
    /** The greeting's APOP timestamp, or {@code null} when APOP is not offered. */
    private String apopTimestamp;
    private final LoginFlow flow;
    private int errors;
    /** The user name's bytes as the client sent them with USER. */
    private byte[] pendingUserBytes;

    /**
     * @param session the session this handler talks through
     */
    Pop3ClientHandler(ClientSession session) {
        this.session = session;
        this.reader = new Pop3CommandReader(session.settings().maxLineLength());
        this.flow = session.login();
    }

    @Override
    public void onOpen() {
        String greeting = session.clientTrusted() ? TRUSTED_GREETING : GREETING;
        if (session.mechanisms().contains(APOP)) {
            // RFC 1939 section 7: the timestamp in the greeting is what an APOP digest covers
            apopTimestamp = CramMd5.challenge();
            reply(greeting + " " + apopTimestamp);
        } else {
            reply(greeting);
        }
    }

    @Override
    public void onInput(ByteBuffer in) {
        while ((state == State.READY || state == State.SASL) && !flow.busy()) {
            Pop3Command command = reader.next(in, state == State.SASL);
            if (command == null) {
                return;
            }
            if (state == State.SASL) {
                onSaslResponse(command);
            } else if (!onCommand(command)) {
                return;
            }
        }
    }

    @Override
    public void onTimeout() {
        farewell("-ERR Disconnected for inactivity.", Outcome.TIMEOUT);
    }

    @Override
    public void onShutdown() {
        farewell("-ERR Server shutting down.", Outcome.SHUTDOWN);
    }

    /**
     * An operator kicks the client before login: POP3 has no unsolicited replies, but before login the
     * proxy writes every reply itself, whole, so an {@code -ERR} here ends no reply half way; the client
     * reads it as the answer to its next command.
     */
    @Override
    public void onKicked(String reason) {
        farewell("-ERR " + reason, Outcome.KICKED);
    }

    /** A connection limit is reached: RFC 3206's SYS/TEMP instead of a greeting. */
    @Override
    public void onOverloaded() {
        state = State.DONE;
        session.write("-ERR [SYS/TEMP] Too many connections, try again later.\r\n");
    }

    @Override
    public void onClosed() {
        state = State.DONE;
        flow.abandon();
    }

    /** @return false when the handler must return at once (STLS) */
    private boolean onCommand(Pop3Command command) {
        if (command instanceof Pop3Command.Capa) {
            capa();
        } else if (command instanceof Pop3Command.User u) {
            user(u.name(), u.bytes());
        } else if (command instanceof Pop3Command.Pass p) {
            pass(p.password(), p.bytes());
        } else if (command instanceof Pop3Command.Xclient x && session.clientTrusted()) {
            xclient(x);
        } else if (command instanceof Pop3Command.Auth a) {
            auth(a);
        } else if (command instanceof Pop3Command.Apop a) {
            apop(a);
        } else if (command instanceof Pop3Command.Stls) {
            return stls();
        } else if (command instanceof Pop3Command.Quit) {
            quit();
        } else if (command instanceof Pop3Command.TooLong) {
            error("Line too long.");
        } else if (command instanceof Pop3Command.Invalid i) {
            error(i.message());
        } else if (command instanceof Pop3Command.Unknown u) {
            LOG.debug("session={} msg=\"unknown command\" command={}", session.id(), io.github.mailproxy.Logfmt.value(u.verb()));
            error(TRANSACTION_COMMANDS.contains(u.verb()) ? "Not logged in." : "Unknown command.");
        } else {
            error("Unknown command.");
        }
        return true;
    }

    /**
     * RFC 2449 section 5: what this proxy offers before login, through the capability filter. TOP
     * and UIDL are the backend's, listed here as Dovecot's pop3-login does, because clients such as
     * Angus Mail decide from this list alone and never ask again after login; the capability filter
     * removes them where a backend lacks them.
     */
    private void capa() {
        List<String> offered = new ArrayList<>();
        offered.add("TOP");
        offered.add("UIDL");
        if (session.plaintextAuthAllowed()) {
            offered.add("USER");
        }
        List<String> mechanisms = mechanisms();
        if (!mechanisms.isEmpty()) {
            offered.add("SASL " + String.join(" ", mechanisms));
        }
        if (session.startTlsAvailable()) {
            offered.add("STLS");
        }
        offered.add("RESP-CODES");
        offered.add("AUTH-RESP-CODE");
        offered.add("PIPELINING");
        if (session.clientTrusted()) {
            offered.add("XCLIENT");
        }
        StringBuilder out = new StringBuilder("+OK Capability list follows.\r\n");
        for (String capability : session.filterCapabilities(CapabilityFilter.Phase.PRE_LOGIN, List.copyOf(offered))) {
            String line = oneLine(capability);
            if (!line.isEmpty()) {
                out.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
            }
        }
        session.write(out.append(".\r\n").toString());
    }

    private void user(String name, byte[] bytes) {
        if (!session.plaintextAuthAllowed()) {
            error(PLAINTEXT_DISALLOWED);
            return;
        }
        pendingUser = name;
        pendingUserBytes = bytes;
        reply("+OK");
    }

    private void pass(String password, byte[] bytes) {
        if (!session.plaintextAuthAllowed()) {
            error(PLAINTEXT_DISALLOWED);
        } else if (pendingUser == null) {
            error("No username given.");
        } else {
            String user = pendingUser;
            byte[] userBytes = pendingUserBytes;
            pendingUser = null;
            pendingUserBytes = null;
            login(user, userBytes, password, bytes, USER_PASS_MECHANISM);
        }
    }

    /**
     * Dovecot's {@code XCLIENT} from a trusted client (webmail, another proxy): {@code ADDR} and
     * {@code PORT} name the client it speaks for, {@code TTL} the proxy hops left. Nothing is
     * applied unless every known parameter is valid.
     */
    private void xclient(Pop3Command.Xclient command) {
        Optional<Pop3Command.Xclient.Fields> fields = command.fields();
        if (fields.isEmpty()) {
            error("Invalid parameters.");
            return;
        }
        if (fields.get().address() != null) {
            session.originatingClient(new InetSocketAddress(fields.get().address(), fields.get().port()));
        }
        if (fields.get().ttl() >= 0) {
            session.incomingProxyTtl(fields.get().ttl());
        }
        reply("+OK");
    }

    /** RFC 5034 section 4. */
    private void auth(Pop3Command.Auth command) {
        if (command.mechanism() == null) {
            // as Dovecot does: a bare AUTH lists the mechanisms, one per line
            StringBuilder out = new StringBuilder("+OK\r\n");
            mechanisms().forEach(m -> out.append(m).append("\r\n"));
            session.write(out.append(".\r\n").toString());
            return;
        }
        String mechanism = command.mechanism();
        if (SaslServer.plaintext(mechanism) && !session.plaintextAuthAllowed()) {
            error(PLAINTEXT_DISALLOWED);
        } else if (!mechanisms().contains(mechanism)) {
            error("Unsupported authentication mechanism.");
        } else {
            pendingUser = null;
            pendingUserBytes = null;
            state = State.SASL;
            flow.startSasl(mechanism, command.initialResponse(), new Replies());
        }
    }

    /** The SASL mechanisms offered now: the session's, as far as this module runs them, in its order. */
    private List<String> mechanisms() {
        List<String> offered = new ArrayList<>(SASL_MECHANISMS.size());
        for (String m : session.mechanisms()) {
            if (SASL_MECHANISMS.contains(m)) {
                offered.add(m);
            }
        }
        return offered;
    }

    /**
     * RFC 1939 section 7: {@code APOP name digest}, the MD5 of the greeting's timestamp and the
     * password, checked against the stored password, which must be plaintext for that.
     */
    private void apop(Pop3Command.Apop command) {
        if (apopTimestamp == null || !session.mechanisms().contains(APOP)) {
            error("APOP is not available.");
            return;
        }
        pendingUser = null;
        String timestamp = apopTimestamp;
        AuthRequest request = session.authRequest(command.user(), null, APOP);
        Replies replies = new Replies();
        flow.lookup(request, replies, result -> apopLookedUp(request, result, timestamp, command.digest(), replies));
    }

    private void apopLookedUp(AuthRequest request, PassDbResult result, String timestamp, String digest, Replies replies) {
        if (!result.isFound() || result.flag(PassDbResult.NOPASSWORD)) {
            // unknown users and PassDb failures get the strategy's own answer, with its delay
            flow.authorize(request, result, replies);
            return;
        }
        String stored = result.field(PassDbResult.PASSWORD).orElse("");
        PasswordScheme.Verdict verdict = stored.isEmpty() ? PasswordScheme.Verdict.MISMATCH
                : ApopDigest.verify(session.passwordScheme(), stored, timestamp, digest);
        switch (verdict) {
            case MATCH -> flow.authorize(request.verified(), result, replies);
            case MISMATCH -> flow.refuse(replies);
            case UNSUPPORTED_MECHANISM -> {
                LOG.info("session {}: APOP needs a plaintext stored password; login refused", session.id());
                flow.refuse(replies);
            }
            case UNKNOWN_SCHEME, MALFORMED -> flow.unavailable(replies);
        }
    }

    private void onSaslResponse(Pop3Command command) {
        if (command instanceof Pop3Command.SaslResponse r) {
            flow.saslResponse(r.text(), new Replies());
        } else if (command instanceof Pop3Command.SaslCancel) {
            flow.saslResponse("*", new Replies());
        } else {
            flow.cancelSasl();
            endSasl();
            error("Line too long.");
        }
    }

    private void endSasl() {
        state = State.READY;
    }

    /** RFC 2595 section 4. */
    private boolean stls() {
        if (!session.startTlsAvailable()) {
            error(session.secured() ? "TLS is already active." : "STLS is not available.");
            return true;
        }
        // RFC 2595 section 4: what the client said before TLS counts for nothing after it
        pendingUser = null;
        reply("+OK Begin TLS negotiation");
        session.startTls();
        return false;
    }

    private void quit() {
        state = State.DONE;
        reply("+OK Logging out.");
        session.close();
    }

    /** The bytes the client sent go along for the backend (password forwarding sends them unchanged). */
    private void login(String user, byte[] userBytes, String password, byte[] passwordBytes, String mechanism) {
        AuthRequest request = session.authRequest(user, password, mechanism).withClientBytes(userBytes, passwordBytes);
        flow.authenticate(request, new Replies());
    }

    /** Replies {@code -ERR message} and disconnects the client after too many of them. */
    private void error(String message) {
        reply("-ERR " + message);
        if (++errors >= session.settings().maxBadCommands()) {
            state = State.DONE;
            flow.abandon();
            reply("-ERR Too many invalid commands.");
            session.close();
        }
    }

    private void farewell(String line, Outcome outcome) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        flow.abandon();
        session.outcome(outcome);
        reply(line);
    }

    private void reply(String line) {
        session.write(line + "\r\n");
    }

    /** Text from configuration or a PassDb, made safe to send as part of one reply line. */
    private static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return sb.toString().strip();
    }

    /** The POP3 wording of how a login ended: {@code -ERR} with RFC 3206 response codes. */
    private final class Replies implements LoginReplies {
        @Override
        public void authFailed() {
            error(Pop3BackendLogin.AUTH_FAILED); // the client's fault: counts towards the bad-command limit
        }

        @Override
        public void temporaryFailure(String reason) {
            reply("-ERR " + TEMPORARY_FAILURE);
        }

        @Override
        public void mechanismNotSupported(String reason) {
            error("Unsupported authentication mechanism.");
        }

        @Override
        public void loginDisabled(String reason) {
            String text = reason == null ? "" : oneLine(reason);
            error("[AUTH] " + (text.isEmpty() ? "Login disabled." : text));
        }

        /** POP3 has no login referrals (RFC 2221 is IMAP only); Dovecot refuses the same way. */
        @Override
        public void referral(AuthDecision.Referral referral) {
            session.outcome(Outcome.AUTH_FAILED);
            error("[AUTH] Login is not possible on this server.");
        }

        @Override
        public void unavailable() {
            reply("-ERR " + TEMPORARY_FAILURE);
        }

        @Override
        public void backendUnavailable(String code) {
            reply("-ERR " + (Pop3BackendLogin.IN_USE_CODE.equals(code) ? Pop3BackendLogin.IN_USE : Pop3BackendLogin.UNAVAILABLE));
        }

        /** The backend's own {@code +OK} line. */
        @Override
        public void loggedIn(BackendLoginResult.LoggedIn result) {
            state = State.DONE;
            byte[] line = result.backendReply();
            byte[] reply = java.util.Arrays.copyOf(line, line.length + 2);
            reply[line.length] = '\r';
            reply[line.length + 1] = '\n';
            session.write(reply);
        }

        /** The local handler serves the transaction state (RFC 1939 section 5) from the next command on. */
        @Override
        public void loggedInLocally(java.util.List<String> capabilities) {
            state = State.DONE;
            reply("+OK Logged in.");
        }

        @Override
        public void challenge(String base64) {
            state = State.SASL;
            reply("+ " + base64);
        }

        @Override
        public void saslEnded() {
            endSasl();
        }

        @Override
        public void saslInvalid(SaslStep.Reason reason) {
            error(reason == SaslStep.Reason.INITIAL_RESPONSE_NOT_ALLOWED
                    ? "This mechanism does not take an initial response." : "Invalid SASL response.");
        }

        /** RFC 5034 section 4: {@code *} must be answered {@code -ERR}. */
        @Override
        public void saslCancelled() {
            reply("-ERR Authentication cancelled.");
        }

        @Override
        public void internalError() {
            state = State.DONE;
            reply("-ERR Internal server error.");
        }
    }
}
