package io.github.mailproxy.imap;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientInput;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LineFramer;
import io.github.mailproxy.spi.LoginFlow;
import io.github.mailproxy.spi.LoginReplies;
import io.github.mailproxy.spi.SaslServer;
import io.github.mailproxy.spi.SaslStep;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IMAP conversation before login (RFC 3501 section 6.1 and 6.2, not-authenticated state): it
 * answers CAPABILITY, NOOP, LOGOUT, ID and STARTTLS, collects credentials from LOGIN and
 * AUTHENTICATE, and hands the login to the {@link LoginFlow}, with the IMAP wording of its replies; a
 * proxied login continues in {@link ImapBackendLogin}. AUTHENTICATE runs PLAIN, LOGIN, CRAM-MD5 and
 * SCRAM-SHA-1/256 through the flow's {@link SaslServer}; this class frames its {@code +} continuations.
 * Called on the session's event loop only.
 */
final class ImapClientHandler implements ClientHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ImapClientHandler.class);

    /** The SASL mechanisms this module can run; others the strategy offers are not advertised. */
    static final Set<String> SASL_MECHANISMS = SaslServer.MECHANISMS;

    static final String PRIVACY_REQUIRED =
            "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.";
    static final String AUTH_FAILED = "NO [AUTHENTICATIONFAILED] Authentication failed.";
    static final String UNAVAILABLE = "NO [UNAVAILABLE] Account is temporarily unavailable.";

    private enum State {
        /** Reading commands. */
        COMMANDS,
        /** Inside AUTHENTICATE, reading the client's SASL responses. */
        SASL,
        /** Closed, logged out, upgrading to TLS or relaying: no more input is handled here. */
        DONE
    }

    private final ClientSession session;
    private ImapDecoder decoder;
    private State state = State.COMMANDS;
    private int badCommands;
    /** The tag of the AUTHENTICATE command in progress. */
    private String saslTag;
    private final LoginFlow flow;

    ImapClientHandler(ClientSession session) {
        this.session = session;
        this.decoder = newDecoder();
        this.flow = session.login();
    }

    @Override
    public void onOpen() {
        session.write("* OK [CAPABILITY " + capabilities() + "] mailproxy ready.\r\n");
    }

    @Override
    public void onInput(ByteBuffer in) {
        guarded(() -> process(in));
    }

    /** Runs handler code so that a bug costs this session only, never the loop; the client learns nothing of it. */
    private void guarded(Runnable code) {
        try {
            code.run();
        } catch (RuntimeException e) {
            LOG.error("session {}: internal error in the IMAP pre-login handler", session.id(), e);
            finish();
            session.write("* BYE Internal server error.\r\n");
            session.close();
        }
    }

    @Override
    public void onTimeout() {
        finish();
        session.outcome(Outcome.TIMEOUT);
        session.write("* BYE Disconnected for inactivity.\r\n");
    }

    @Override
    public void onShutdown() {
        finish();
        session.outcome(Outcome.SHUTDOWN);
        session.write("* BYE Server shutting down.\r\n");
    }

    /** An operator kicks the client: an untagged BYE with the reason, as Dovecot's {@code doveadm kick}. */
    @Override
    public void onKicked(String reason) {
        finish();
        session.write(relayKickNotice(reason));
    }

    @Override
    public String relayKickNotice(String reason) {
        return "* BYE " + reason + "\r\n";
    }

    @Override
    public io.github.mailproxy.spi.RelayWatch relayWatch() {
        return new ImapRelayWatch();
    }

    /** A connection limit is reached: RFC 5530's UNAVAILABLE in an untagged BYE, as greeting. */
    @Override
    public void onOverloaded() {
        finish();
        session.write("* BYE [UNAVAILABLE] Too many connections, try again later.\r\n");
    }

    @Override
    public void onClosed() {
        finish();
    }

    private void process(ByteBuffer in) {
        while (!flow.busy()) {
            if (state == State.COMMANDS) {
                ImapDecoder.Result result = decoder.next(in);
                switch (result.kind()) {
                    case NEED_MORE:
                        return;
                    case CONTINUE:
                        session.write("+ Ready for literal data\r\n");
                        break;
                    case BAD:
                        bad(result.tag(), result.text());
                        break;
                    default:
                        if (!dispatch(result.request())) {
                            return;
                        }
                }
            } else if (state == State.SASL) {
                ImapDecoder.Line line = decoder.nextLine(in);
                if (line.status() == LineFramer.Status.NEED_MORE) {
                    return;
                }
                String tag = saslTag;
                if (line.status() == LineFramer.Status.TOO_LONG) {
                    flow.cancelSasl();
                    endSasl();
                    bad(tag, ImapDecoder.LINE_TOO_LONG);
                } else {
                    flow.saslResponse(line.text(), new Replies(tag));
                }
            } else {
                return;
            }
        }
    }

    /** @return whether to go on reading input in this call */
    private boolean dispatch(ImapRequest request) {
        if (request instanceof ImapRequest.Capability c) {
            capability(c.tag());
        } else if (request instanceof ImapRequest.Noop n) {
            reply(n.tag(), "OK NOOP completed."); // RFC 3501 section 6.1.2
        } else if (request instanceof ImapRequest.Logout l) {
            logout(l.tag());
        } else if (request instanceof ImapRequest.Id id) {
            id(id);
        } else if (request instanceof ImapRequest.StartTls s) {
            return startTls(s.tag());
        } else if (request instanceof ImapRequest.Login l) {
            login(l);
        } else if (request instanceof ImapRequest.Authenticate a) {
            authenticate(a);
        } else if (request instanceof ImapRequest.Bad b) {
            bad(b.tag(), b.text());
        } else {
            bad(request.tag(), "Command unknown or not allowed before login.");
        }
        return true;
    }

    /** RFC 3501 section 6.1.1. */
    private void capability(String tag) {
        session.write("* CAPABILITY " + capabilities() + "\r\n");
        reply(tag, "OK Pre-login capabilities listed, post-login capabilities have more.");
    }

    /** RFC 3501 section 6.1.3. */
    private void logout(String tag) {
        session.write("* BYE Logging out.\r\n");
        reply(tag, "OK Logout completed.");
        finish();
        session.close();
    }

    /** RFC 2971. */
    private void id(ImapRequest.Id id) {
        if (session.clientTrusted()) {
            trustedIdFields(id.fields());
        }
        session.write("* ID (\"name\" \"mailproxy\")\r\n");
        reply(id.tag(), "OK ID completed.");
    }

    /**
     * A trusted client (webmail, another proxy; Dovecot's {@code login_trusted_networks}) names the
     * client it speaks for and passes on its proxy TTL, with Dovecot's field names. Bad values are
     * ignored, and logged, as Dovecot does. Untrusted clients' fields are never read.
     */
    private void trustedIdFields(List<ImapRequest.Field> fields) {
        String ip = null;
        String port = null;
        for (ImapRequest.Field field : fields) {
            if (field.value() == null) {
                continue;
            }
            switch (field.name().toLowerCase(Locale.ROOT)) {
                case "x-originating-ip" -> ip = field.value();
                case "x-originating-port" -> port = field.value();
                case "x-proxy-ttl" -> {
                    int ttl = number(field.value());
                    if (ttl >= 0) {
                        session.incomingProxyTtl(ttl);
                    } else {
                        LOG.info("session {}: ignoring an invalid x-proxy-ttl", session.id());
                    }
                }
                default -> {
                    // other fields are for the log of a real server; the proxy has no use for them
                }
            }
        }
        if (ip == null) {
            return;
        }
        Optional<java.net.InetAddress> address = ClientInput.ipLiteral(ip);
        int p = port == null ? 0 : number(port);
        if (address.isEmpty() || p > 65535 || p < 0) {
            LOG.info("session {}: ignoring an invalid x-originating-ip or x-originating-port", session.id());
            return;
        }
        session.originatingClient(new java.net.InetSocketAddress(address.get(), p));
    }

    /** @return a small non-negative decimal number, or -1 */
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(s);
    }

    /** RFC 3501 section 6.2.1; input after the command is discarded by the core. */
    private boolean startTls(String tag) {
        if (!session.startTlsAvailable()) {
            bad(tag, session.secured() ? "TLS is already active." : "STARTTLS is not available.");
            return true;
        }
        reply(tag, "OK Begin TLS negotiation now.");
        session.startTls();
        decoder = newDecoder();
        return false;
    }

    /** RFC 3501 section 6.2.3. */
    private void login(ImapRequest.Login login) {
        if (!session.plaintextAuthAllowed()) {
            reply(login.tag(), PRIVACY_REQUIRED);
        } else {
            startLogin(login.tag(), login.user(), login.userBytes(), login.password(), login.passwordBytes(), "LOGIN");
        }
    }

    /** RFC 3501 section 6.2.2, with an initial response (SASL-IR, RFC 4959). */
    private void authenticate(ImapRequest.Authenticate command) {
        String mechanism = command.mechanism();
        if (SaslServer.plaintext(mechanism) && !session.plaintextAuthAllowed()) {
            reply(command.tag(), PRIVACY_REQUIRED);
            return;
        }
        if (!SASL_MECHANISMS.contains(mechanism) || !session.mechanisms().contains(mechanism)) {
            reply(command.tag(), "NO Unsupported authentication mechanism.");
            return;
        }
        saslTag = command.tag();
        state = State.SASL;
        flow.startSasl(mechanism, command.initialResponse(), new Replies(command.tag()));
    }

    private void endSasl() {
        saslTag = null;
        state = State.COMMANDS;
    }

    /**
     * Asks the auth service; the bytes the client sent go along for the backend. A NUL in either
     * is refused here, before any PassDb lookup: a backend written in C would cut the name or
     * password at it and check something else than the proxy did.
     */
    private void startLogin(String tag, String user, byte[] userBytes, String password, byte[] passwordBytes,
                            String mechanism) {
        if (user.isEmpty() || ClientInput.hasNul(userBytes) || ClientInput.hasNul(passwordBytes)) {
            flow.refuse(new Replies(tag));
            return;
        }
        flow.authenticate(session.authRequest(user, password, mechanism).withClientBytes(userBytes, passwordBytes),
                new Replies(tag));
    }

    private void bad(String tag, String text) {
        reply(tag, "BAD " + text);
        badCommands++;
        if (badCommands >= session.settings().maxBadCommands()) {
            session.write("* BYE Too many invalid commands.\r\n");
            finish();
            session.close();
        }
    }

    private void reply(String tag, String text) {
        session.write(tag + " " + text + "\r\n");
    }

    /** Stops handling input for good, and drops a backend login in progress. */
    private void finish() {
        state = State.DONE;
        saslTag = null;
        flow.abandon();
    }

    /** The pre-login capabilities (RFC 3501 section 7.2.1), through the capability filter. */
    String capabilities() {
        List<String> caps = new ArrayList<>(List.of("IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "LITERAL+"));
        if (session.startTlsAvailable()) {
            caps.add("STARTTLS");
        }
        for (String mechanism : session.mechanisms()) {
            if (SASL_MECHANISMS.contains(mechanism)) {
                caps.add("AUTH=" + mechanism);
            }
        }
        if (!session.plaintextAuthAllowed()) {
            caps.add("LOGINDISABLED");
        }
        return String.join(" ", session.filterCapabilities(CapabilityFilter.Phase.PRE_LOGIN, caps));
    }

    private ImapDecoder newDecoder() {
        return new ImapDecoder(session.settings().maxLineLength(), session.settings().maxLiteralSize());
    }

    /** The IMAP wording of how a login ended: tagged replies with RFC 5530 response codes. */
    private final class Replies implements LoginReplies {
        private final String tag;

        Replies(String tag) {
            this.tag = tag;
        }

        @Override
        public void authFailed() {
            reply(tag, AUTH_FAILED);
        }

        @Override
        public void temporaryFailure(String reason) {
            reply(tag, "NO [UNAVAILABLE] " + ImapText.replyText(reason, "Temporary authentication failure, try again later."));
        }

        @Override
        public void mechanismNotSupported(String reason) {
            reply(tag, "NO [CANNOT] " + ImapText.replyText(reason, "This authentication mechanism cannot be used here."));
        }

        @Override
        public void loginDisabled(String reason) {
            reply(tag, "NO [CONTACTADMIN] " + ImapText.replyText(reason, "Login is disabled for this account."));
        }

        /** RFC 2221 section 4.1: a referral on failure, for a user served elsewhere. */
        @Override
        public void referral(AuthDecision.Referral referral) {
            String host = referral.host().trim().split("[\\s,]+")[0];
            reply(tag, "NO [REFERRAL " + ImapText.referralUrl(referral.user(), host, referral.port()) + "] "
                    + ImapText.replyText(referral.reason(), "Try this server instead."));
        }

        @Override
        public void unavailable() {
            reply(tag, UNAVAILABLE);
        }

        @Override
        public void backendUnavailable(String code) {
            reply(tag, UNAVAILABLE);
        }

        /** The backend's capabilities after login, through the capability filter, in the tagged OK. */
        @Override
        public void loggedIn(BackendLoginResult.LoggedIn result) {
            loggedIn(result.capabilities() == null ? null
                    : session.filterCapabilities(CapabilityFilter.Phase.POST_LOGIN, result.capabilities()));
        }

        /** Capabilities chosen by the local handler, already filtered; none leaves the code out (RFC 3501 7.1). */
        @Override
        public void loggedInLocally(List<String> capabilities) {
            loggedIn(capabilities.isEmpty() ? null : capabilities);
        }

        private void loggedIn(List<String> capabilities) {
            state = State.DONE;
            String code = capabilities == null ? "" : "[CAPABILITY " + String.join(" ", capabilities) + "] ";
            reply(tag, "OK " + code + "Logged in");
        }

        @Override
        public String tag() {
            return tag;
        }

        @Override
        public void challenge(String base64) {
            session.write("+ " + base64 + "\r\n");
        }

        @Override
        public void saslEnded() {
            endSasl();
        }

        @Override
        public void saslInvalid(SaslStep.Reason reason) {
            bad(tag, reason == SaslStep.Reason.INITIAL_RESPONSE_NOT_ALLOWED
                    ? "This mechanism does not take an initial response." : "Invalid base64 data in SASL response.");
        }

        /** RFC 3501 section 6.2.2: a cancelled exchange MUST get a tagged BAD; not the client's fault. */
        @Override
        public void saslCancelled() {
            reply(tag, "BAD Authentication canceled.");
        }

        @Override
        public void internalError() {
            finish();
            session.write("* BYE Internal server error.\r\n");
        }
    }
}
