package io.github.mailproxy.pop3;

import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendLogin;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LineFramer;
import io.github.mailproxy.spi.Sasl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs in to a POP3 backend for one client: reads the greeting, asks CAPA when it must know what
 * the backend offers, forwards the client's address with XCLIENT whenever the backend offers it
 * (in CAPA, or as Dovecot does, with {@code +OK [XCLIENT]} in its greeting; off with the setting or
 * the PassDb's {@code proxy_not_trusted}), logs in with USER/PASS or AUTH PLAIN (RFC 5034,
 * RFC 4616) sending the bytes of the user name and password the client sent, and reports a
 * {@link BackendLoginResult}: on success with the backend's own {@code +OK} line, which the
 * {@link io.github.mailproxy.spi.LoginFlow} answers the client with before it starts the relay. When the target asks for
 * it, STLS (RFC 2595) comes right after the greeting, and CAPA only after the handshake.
 */
final class Pop3BackendLogin implements BackendLogin {

    static final String AUTH_FAILED = "[AUTH] Authentication failed.";
    static final String UNAVAILABLE = "[SYS/TEMP] Account is temporarily unavailable.";
    static final String IN_USE = "[IN-USE] Mailbox is in use by another session.";
    /** The response code (RFC 2449) passed on in {@link BackendLoginResult.Unavailable} for {@link #IN_USE}. */
    static final String IN_USE_CODE = "IN-USE";

    private static final Logger LOG = LoggerFactory.getLogger(Pop3BackendLogin.class);
    private static final int MAX_LINE = 8192;
    private static final String XCLIENT_GREETING = "+OK [XCLIENT]";
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int MAX_COMMAND = 255; // RFC 5034 section 4: a longer AUTH line needs a continuation

    private enum Step { CONNECTING, GREETING, STLS, HANDSHAKE, CAPA, CAPA_LIST, XCLIENT, USER, PASS, AUTH_CONTINUE, AUTH, DONE }

    private final ClientSession session;
    private final BackendCredentials credentials;
    private final boolean startTls;
    private final boolean forwardClient;
    private final String targetName;
    /** Where the connection went, kept for the log after it is closed. */
    private InetSocketAddress backendAddress;
    private final Consumer<BackendLoginResult> done;
    private final LineFramer framer;
    /** Capability names (first words) of the backend's CAPA reply. */
    private final Set<String> capabilities = new HashSet<>();
    private boolean capabilitiesKnown;
    private BackendConnection connection;
    private Step step = Step.CONNECTING;
    private String plainResponse;

    /**
     * @param session     the client's session
     * @param credentials how to log in
     * @param startTls    whether to upgrade the connection with STLS before logging in
     * @param done        told how it ended, once
     */
    Pop3BackendLogin(ClientSession session, BackendCredentials credentials, boolean startTls, Consumer<BackendLoginResult> done) {
        this(session, credentials, new BackendTarget(List.of("-"), 0, startTls ? TlsMode.STARTTLS : TlsMode.PLAIN, null),
                done);
    }

    /**
     * @param session     the client's session
     * @param credentials how to log in
     * @param target      where the session connects: STLS or not, and whether to forward the client's address
     * @param done        told how it ended, once
     */
    Pop3BackendLogin(ClientSession session, BackendCredentials credentials, BackendTarget target,
                     Consumer<BackendLoginResult> done) {
        this.session = session;
        this.credentials = credentials;
        this.startTls = target.tls() == TlsMode.STARTTLS;
        this.forwardClient = target.forwardClient();
        this.targetName = target.logName(Pop3Protocol.instance().defaultBackendPort());
        this.done = done;
        // never above what the core buffers of one unfinished line, or it would close the session
        // (a bare EOF to the client) before this saw TOO_LONG and answered -ERR [SYS/TEMP]
        this.framer = new LineFramer((int) Math.min(MAX_LINE,
                (long) session.settings().maxLineLength() + session.settings().maxLiteralSize()));
    }

    /** Stops the login because the client has gone: closes the backend and reports nothing. */
    @Override
    public void abandon() {
        step = Step.DONE;
        closeConnection();
    }

    private void closeConnection() {
        BackendConnection open = connection;
        connection = null;
        if (open != null) {
            open.close();
        }
    }

    @Override
    public void onConnected(BackendConnection connection) {
        if (step == Step.DONE) {
            connection.close();
            return;
        }
        this.connection = connection;
        this.backendAddress = connection.remoteAddress();
        step = Step.GREETING;
    }

    @Override
    public void onSecured() {
        if (step == Step.HANDSHAKE) {
            afterGreeting();
        }
    }

    @Override
    public void onInput(ByteBuffer in) {
        while (step != Step.DONE && step != Step.CONNECTING && step != Step.HANDSHAKE) {
            switch (framer.next(in)) {
                case NEED_MORE:
                    return;
                case TOO_LONG:
                    fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "line too long in step " + step);
                    return;
                default:
                    onLine(framer.line());
            }
        }
    }

    @Override
    public void onConnectFailed(IOException cause) {
        if (step == Step.DONE) {
            return;
        }
        // the core has logged which hosts it could not reach
        fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, null);
    }

    @Override
    public void onClosed() {
        if (step == Step.DONE) {
            return;
        }
        connection = null;
        fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "backend closed the connection in step " + step);
    }

    private void onLine(byte[] raw) {
        String line = new String(raw, StandardCharsets.ISO_8859_1);  // only ASCII matters here
        switch (step) {
            case GREETING -> {
                if (!isOk(line)) {
                    fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "no +OK greeting");
                    return;
                }
                if (line.regionMatches(true, 0, XCLIENT_GREETING, 0, XCLIENT_GREETING.length())) {
                    // Dovecot's pop3-login offers XCLIENT to trusted networks in its greeting, not in CAPA
                    capabilities.add("XCLIENT");
                }
                if (startTls) {
                    send("STLS", Step.STLS);
                } else {
                    afterGreeting();
                }
            }
            case STLS -> {
                if (isOk(line)) {
                    // the core discards whatever the backend sent after +OK, and calls onSecured
                    step = Step.HANDSHAKE;
                    connection.startTls();
                } else {
                    fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "backend refused STLS");
                }
            }
            case CAPA -> {
                if (isOk(line)) {
                    capabilitiesKnown = true;
                    step = Step.CAPA_LIST;
                } else if (isErr(line)) {
                    afterCapa();
                } else {
                    fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "bad reply to CAPA");
                }
            }
            case CAPA_LIST -> {
                if (line.equals(".")) {
                    afterCapa();
                } else {
                    // RFC 1939 section 3: a leading dot of a multi-line response is doubled
                    String capability = line.startsWith(".") ? line.substring(1) : line;
                    int space = capability.indexOf(' ');
                    capabilities.add((space < 0 ? capability : capability.substring(0, space)).toUpperCase(Locale.ROOT));
                }
            }
            case XCLIENT -> {
                if (isOk(line)) {
                    sendLogin();
                } else {
                    // as Dovecot's proxy: a backend that offers XCLIENT and then refuses it is misconfigured
                    fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "XCLIENT refused");
                }
            }
            case USER -> {
                if (isOk(line)) {
                    send(concat(utf8("PASS "), credentials.passwordBytes()), Step.PASS);
                } else {
                    loginRefused(line);
                }
            }
            case AUTH_CONTINUE -> {
                if (line.startsWith("+ ") || line.equals("+")) {
                    String response = plainResponse;
                    plainResponse = null;
                    send(response, Step.AUTH);
                } else {
                    loginRefused(line);
                }
            }
            case PASS, AUTH -> {
                if (isOk(line)) {
                    succeed(raw);
                } else {
                    loginRefused(line);
                }
            }
            default -> throw new IllegalStateException("line in step " + step);
        }
    }

    private void afterGreeting() {
        if (needCapa()) {
            send("CAPA", Step.CAPA);
        } else {
            sendLogin();
        }
    }

    private boolean forwardsClient() {
        return forwardClient && session.settings().backendTrusted();
    }

    private boolean needCapa() {
        return forwardsClient()
                || credentials.mechanism() == BackendCredentials.Mechanism.AUTO && credentials.masterUser() == null;
    }

    private void afterCapa() {
        if (forwardsClient() && capabilities.contains("XCLIENT")) {
            send(xclient(), Step.XCLIENT);
        } else {
            sendLogin();
        }
    }

    /** Dovecot's pop3 proxy line; TTL counts down so that a proxy loop ends. */
    private String xclient() {
        InetAddress address = session.clientAddress().getAddress();
        String ip = address == null ? session.clientAddress().getHostString() : address.getHostAddress();
        int scope = ip.indexOf('%');
        return "XCLIENT ADDR=" + (scope < 0 ? ip : ip.substring(0, scope))
                + " PORT=" + session.clientAddress().getPort()
                + " SESSION=" + token(session.id())
                + " TTL=" + Math.max(0, session.proxyTtl() - 1);
    }

    private void sendLogin() {
        byte[] user = credentials.userBytes();
        byte[] password = credentials.passwordBytes();
        String master = credentials.masterUser();
        if (!isSafe(user) || !isSafe(password) || master != null && !isSafe(utf8(master))) {
            // Only a PassDb can put these here (client input is checked); they would split the command.
            fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "user or password from the PassDb holds CR, LF or NUL");
            return;
        }
        if (usePlain()) {
            String response = master == null
                    ? Sasl.encodePlain(null, user, password)
                    : Sasl.encodePlain(user, utf8(master), password);
            if ("AUTH PLAIN ".length() + response.length() <= MAX_COMMAND) {
                send("AUTH PLAIN " + response, Step.AUTH);
            } else {
                plainResponse = response;
                send("AUTH PLAIN", Step.AUTH_CONTINUE);
            }
        } else {
            // Dovecot's master user separator, for a backend that takes master logins only this way
            send(concat(utf8("USER "), master == null ? user : concat(user, utf8("*" + master))), Step.USER);
        }
    }

    private boolean usePlain() {
        return switch (credentials.mechanism()) {
            case PLAIN -> true;
            case LOGIN -> false;
            case AUTO -> credentials.masterUser() != null || capabilitiesKnown && !capabilities.contains("USER");
        };
    }

    private void loginRefused(String line) {
        String upper = line.toUpperCase(Locale.ROOT);
        if (upper.startsWith("-ERR [SYS/TEMP]")) {
            fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "backend reports a temporary failure");
        } else if (upper.startsWith("-ERR [IN-USE]")) {
            fail(IN_USE, Outcome.TEMPORARY_FAILURE, null);
        } else if (isErr(line)) {
            fail(AUTH_FAILED, Outcome.AUTH_FAILED, null);
        } else {
            fail(UNAVAILABLE, Outcome.TEMPORARY_FAILURE, "bad reply in step " + step);
        }
    }

    private void succeed(byte[] okLine) {
        step = Step.DONE;
        BackendConnection backend = connection;
        connection = null;
        done.accept(new BackendLoginResult.LoggedIn(backend, null, okLine));
    }

    private void fail(String message, Outcome outcome, String logReason) {
        if (logReason != null) {
            LOG.warn("session={} msg=\"POP3 backend login failed\" backend={} reason={}", session.id(),
                    io.github.mailproxy.Logfmt.value(backendName()), io.github.mailproxy.Logfmt.value(logReason));
        }
        step = Step.DONE;
        closeConnection();
        done.accept(outcome == Outcome.AUTH_FAILED ? new BackendLoginResult.Refused()
                : new BackendLoginResult.Unavailable(message.equals(IN_USE) ? IN_USE_CODE : null));
    }

    private void send(String command, Step next) {
        step = next;
        connection.write(command + "\r\n");
    }

    private void send(byte[] command, Step next) {
        step = next;
        connection.write(concat(command, CRLF));
    }

    /** @return the backend's address as {@code host:port}, for the log */
    private String backendName() {
        return BackendConnection.logName(backendAddress, targetName);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isOk(String line) {
        return line.startsWith("+OK") && (line.length() == 3 || line.charAt(3) == ' ');
    }

    private static boolean isErr(String line) {
        return line.startsWith("-ERR") && (line.length() == 4 || line.charAt(4) == ' ');
    }

    private static boolean isSafe(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\r' || b == '\n' || b == 0) {
                return false;
            }
        }
        return true;
    }

    private static String token(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c > 0x20 && c < 0x7f ? c : '_');
        }
        return sb.toString();
    }
}
