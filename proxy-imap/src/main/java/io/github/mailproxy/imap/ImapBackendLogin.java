package io.github.mailproxy.imap;

import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendLogin;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LineFramer;
import io.github.mailproxy.spi.Sasl;
import io.github.mailproxy.spi.SessionSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs in to an IMAP backend on the client's behalf: reads the greeting, asks for CAPABILITY when
 * the greeting has none, upgrades to TLS with STARTTLS when the target asks for it, tells the
 * backend the client's address with {@code ID} whenever it advertises ID (RFC 2971, Dovecot's
 * {@code x-originating-ip} fields; off with the setting or the PassDb's {@code proxy_not_trusted}),
 * logs in with LOGIN or AUTHENTICATE PLAIN sending the bytes of the user name and password the
 * client sent, and reports a {@link BackendLoginResult} with the backend's capabilities after
 * login to the {@link io.github.mailproxy.spi.LoginFlow}, which answers the client and starts the
 * relay. Bytes after the backend's tagged OK are left unread for the relay.
 *
 * <p>Called on the session's event loop only.
 */
final class ImapBackendLogin implements BackendLogin {

    private static final Logger LOG = LoggerFactory.getLogger(ImapBackendLogin.class);
    /** Longest backend line read during login; a longer one (a 200 KB greeting) is a misbehaving backend. */
    private static final int MAX_LINE = 64 * 1024;
    /** Response codes of a NO that mean "try later" rather than "wrong password" (RFC 5530). */
    private static final Set<String> TEMPORARY_CODES = Set.of("UNAVAILABLE", "SERVERBUG", "INUSE", "LIMIT");

    private enum State { CONNECTING, GREETING, CAPABILITY, STARTTLS, HANDSHAKE, ID, LOGIN, POST_CAPABILITY, DONE }

    private final ClientSession session;
    private final BackendCredentials credentials;
    private final TlsMode tls;
    private final boolean forwardClient;
    private final String targetName;
    private final Consumer<BackendLoginResult> done;
    private final int maxLine;
    private final LineFramer framer;
    private final Deque<byte[]> awaitingContinuation = new ArrayDeque<>();

    private BackendConnection connection;
    /** Where the connection went, kept for the log after it is closed. */
    private InetSocketAddress backendAddress;
    private State state = State.CONNECTING;
    private int tagCounter;
    private String currentTag;
    private List<String> capabilities;
    private List<String> loggedInCapabilities;
    private long skipRemaining;
    private boolean inUntaggedContinuation;
    private boolean startTlsSent;

    /**
     * @param session     the client's session
     * @param credentials how to log in
     * @param tls         TLS to the backend; {@link TlsMode#STARTTLS} makes this client ask for it
     * @param done        told how it ended, once
     */
    ImapBackendLogin(ClientSession session, BackendCredentials credentials, TlsMode tls, Consumer<BackendLoginResult> done) {
        this(session, credentials, new BackendTarget(List.of("-"), 0, tls, null), done);
    }

    /**
     * @param session     the client's session
     * @param credentials how to log in
     * @param target      where the session connects: its TLS mode and whether to forward the client's address
     * @param done        told how it ended, once
     */
    ImapBackendLogin(ClientSession session, BackendCredentials credentials, BackendTarget target,
                     Consumer<BackendLoginResult> done) {
        this.session = session;
        this.credentials = credentials;
        this.tls = target.tls();
        this.forwardClient = target.forwardClient();
        this.targetName = target.logName(ImapProtocol.instance().defaultBackendPort());
        this.done = done;
        // The core buffers at most maxLineLength + maxLiteralSize of one unfinished line; a bound above
        // that would make the core close the session (a bare EOF to the client) before this saw TOO_LONG.
        SessionSettings settings = session.settings();
        this.maxLine = (int) Math.min(MAX_LINE, (long) settings.maxLineLength() + settings.maxLiteralSize());
        this.framer = new LineFramer(maxLine);
    }

    @Override
    public void onConnected(BackendConnection connection) {
        if (state == State.DONE) {
            connection.close();  // abandoned while connecting
            return;
        }
        this.connection = connection;
        this.backendAddress = connection.remoteAddress();
        state = State.GREETING;
    }

    @Override
    public void onInput(ByteBuffer in) {
        try {
            while (state != State.DONE && state != State.HANDSHAKE) {
                if (skipRemaining > 0) {
                    int n = (int) Math.min(in.remaining(), skipRemaining);
                    in.position(in.position() + n);
                    skipRemaining -= n;
                    if (skipRemaining > 0) {
                        return;
                    }
                }
                LineFramer.Status status = framer.next(in);
                if (status == LineFramer.Status.NEED_MORE) {
                    return;
                }
                if (status == LineFramer.Status.TOO_LONG) {
                    fail(false, "a line over " + maxLine + " bytes");
                    return;
                }
                handle(new String(framer.line(), StandardCharsets.ISO_8859_1));
            }
        } catch (RuntimeException e) {
            LOG.error("session {}: internal error in the IMAP backend login", session.id(), e);
            fail(false, "an internal error");
        }
    }

    /** RFC 3501 section 6.2.1: capabilities learnt before TLS are discarded and asked for again. */
    @Override
    public void onSecured() {
        if (state != State.HANDSHAKE) {
            return;
        }
        capabilities = null;
        state = State.CAPABILITY;
        send(command("CAPABILITY") + "\r\n");
    }

    @Override
    public void onConnectFailed(IOException cause) {
        if (state == State.DONE) {
            return;
        }
        // the core has logged which hosts it could not reach
        fail(false, null);
    }

    @Override
    public void onClosed() {
        if (state == State.DONE) {
            return;
        }
        connection = null;  // already closed
        fail(false, "the backend closed the connection during login");
    }

    /** The client session ended first: close the backend connection, tell nobody. */
    @Override
    public void abandon() {
        state = State.DONE;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    private void handle(String line) {
        if (inUntaggedContinuation) {
            // the rest of an untagged response after a literal, e.g. a server's ID reply
            skipRemaining = trailingLiteral(line);
            inUntaggedContinuation = skipRemaining >= 0;
            skipRemaining = Math.max(skipRemaining, 0);
            return;
        }
        if (state == State.GREETING) {
            greeting(line);
        } else if (line.startsWith("* ")) {
            untagged(line);
        } else if (line.equals("+") || line.startsWith("+ ")) {
            continuation();
        } else {
            tagged(line);
        }
    }

    /** RFC 3501 section 7.1: {@code * OK}, maybe with capabilities; BYE and PREAUTH are no use to us. */
    private void greeting(String line) {
        if (!startsWithIgnoreCase(line, "* OK ") && !line.equalsIgnoreCase("* OK")) {
            fail(false, "an unexpected greeting");
            return;
        }
        capabilities = capabilityCode(line.substring(4));  // ignores a code other than CAPABILITY
        if (capabilities != null) {
            afterCapabilities();
        } else {
            state = State.CAPABILITY;
            send(command("CAPABILITY") + "\r\n");
        }
    }

    private void untagged(String line) {
        long literal = trailingLiteral(line);
        if (literal >= 0) {
            skipRemaining = literal;
            inUntaggedContinuation = true;
            return;
        }
        if (startsWithIgnoreCase(line, "* CAPABILITY ")) {
            List<String> caps = words(line.substring("* CAPABILITY ".length()));
            if (state == State.CAPABILITY) {
                capabilities = caps;
            } else if (state == State.LOGIN || state == State.POST_CAPABILITY) {
                loggedInCapabilities = caps;
            }
        } else if (startsWithIgnoreCase(line, "* BYE")) {
            fail(false, "BYE during login");
        }
    }

    /** A {@code +}: the backend invites the next literal or SASL response. */
    private void continuation() {
        byte[] next = awaitingContinuation.poll();
        if (next == null) {
            fail(false, "an unexpected continuation request");
        } else {
            connection.write(next);
        }
    }

    private void tagged(String line) {
        int space = line.indexOf(' ');
        String tag = space < 0 ? line : line.substring(0, space);
        String rest = space < 0 ? "" : line.substring(space + 1);
        if (!tag.equals(currentTag)) {
            fail(false, "a reply with an unknown tag");
            return;
        }
        int space2 = rest.indexOf(' ');
        String status = (space2 < 0 ? rest : rest.substring(0, space2)).toUpperCase(Locale.ROOT);
        String text = space2 < 0 ? "" : rest.substring(space2 + 1);
        awaitingContinuation.clear();
        switch (state) {
            case CAPABILITY -> {
                if (status.equals("OK")) {
                    afterCapabilities();
                } else {
                    fail(false, "CAPABILITY failed");
                }
            }
            case STARTTLS -> {
                if (status.equals("OK")) {
                    // the rest of the input is the backend's, discarded by the core before the handshake
                    state = State.HANDSHAKE;
                    connection.startTls();
                } else {
                    fail(false, "STARTTLS refused");
                }
            }
            case ID -> login();  // an ID the backend does not like must not stop the login
            case LOGIN -> loginReply(status, text);
            case POST_CAPABILITY -> succeed();  // the login itself has succeeded already
            default -> fail(false, "a reply in state " + state);
        }
    }

    private void afterCapabilities() {
        if (capabilities == null) {
            capabilities = List.of();
        }
        if (tls == TlsMode.STARTTLS && !startTlsSent) {
            startTlsSent = true;
            if (!hasCapability(capabilities, "STARTTLS")) {
                // never fall back to sending the password in the clear
                fail(false, "the backend does not offer STARTTLS");
                return;
            }
            state = State.STARTTLS;
            send(command("STARTTLS") + "\r\n");
        } else if (forwardClient && session.settings().backendTrusted() && hasCapability(capabilities, "ID")) {
            sendId();
        } else {
            login();
        }
    }

    /**
     * Dovecot's forwarding fields, so the backend logs, limits and penalises the real client. Sent
     * whenever the backend advertises ID, as Dovecot's proxy does; a backend that does not trust the
     * proxy ignores them. The TTL counts down so that a proxy loop ends.
     */
    private void sendId() {
        state = State.ID;
        InetSocketAddress client = session.clientAddress();
        InetSocketAddress local = session.localAddress();
        String[] fields = {
            "x-originating-ip", client.getAddress().getHostAddress(),
            "x-originating-port", Integer.toString(client.getPort()),
            "x-connected-ip", local.getAddress().getHostAddress(),
            "x-connected-port", Integer.toString(local.getPort()),
            "x-session-ext-id", session.id(),
            "x-proxy-ttl", Integer.toString(Math.max(session.proxyTtl() - 1, 0)),
        };
        StringBuilder id = new StringBuilder(command("ID")).append(" (");
        for (int i = 0; i < fields.length; i++) {
            id.append(i == 0 ? "" : " ").append(ImapText.quote(fields[i]));
        }
        send(id.append(")\r\n").toString());
    }

    private void login() {
        state = State.LOGIN;
        BackendCredentials.Mechanism mechanism = credentials.mechanism();
        if (mechanism == BackendCredentials.Mechanism.AUTO) {
            mechanism = hasCapability(capabilities, "LOGINDISABLED")
                    ? BackendCredentials.Mechanism.PLAIN : BackendCredentials.Mechanism.LOGIN;
        }
        List<byte[]> pieces = mechanism == BackendCredentials.Mechanism.PLAIN ? authenticatePlain() : loginCommand();
        connection.write(pieces.get(0));
        awaitingContinuation.addAll(pieces.subList(1, pieces.size()));
    }

    /** AUTHENTICATE PLAIN (RFC 4616) with the master user as authentication id, if any. */
    private List<byte[]> authenticatePlain() {
        String master = credentials.masterUser();
        String response = master == null
                ? Sasl.encodePlain(null, credentials.userBytes(), credentials.passwordBytes())
                : Sasl.encodePlain(credentials.userBytes(), utf8(master), credentials.passwordBytes());
        String command = command("AUTHENTICATE") + " PLAIN";
        if (hasCapability(capabilities, "SASL-IR")) {
            return List.of(utf8(command + " " + response + "\r\n"));
        }
        return List.of(utf8(command + "\r\n"), utf8(response + "\r\n"));
    }

    /** LOGIN with each argument quoted when it can be, else as a literal (RFC 3501 section 4.3). */
    private List<byte[]> loginCommand() {
        byte[] user = credentials.masterUser() == null
                ? credentials.userBytes() : concat(credentials.userBytes(), utf8("*" + credentials.masterUser()));
        boolean literalPlus = hasCapability(capabilities, "LITERAL+");
        List<byte[]> pieces = new ArrayList<>();
        ByteArrayOutputStream piece = new ByteArrayOutputStream();
        piece.writeBytes(utf8(command("LOGIN") + " "));
        piece = astring(user, literalPlus, piece, pieces);
        piece.write(' ');
        piece = astring(credentials.passwordBytes(), literalPlus, piece, pieces);
        piece.writeBytes(utf8("\r\n"));
        pieces.add(piece.toByteArray());
        return pieces;
    }

    /** Appends an astring; a synchronizing literal ends the current piece, as it must wait for {@code +}. */
    private static ByteArrayOutputStream astring(byte[] bytes, boolean literalPlus, ByteArrayOutputStream piece,
                                                 List<byte[]> pieces) {
        if (ImapText.isQuotable(bytes)) {
            piece.writeBytes(ImapText.quote(bytes));
            return piece;
        }
        piece.writeBytes(utf8("{" + bytes.length + (literalPlus ? "+" : "") + "}\r\n"));
        if (!literalPlus) {
            pieces.add(piece.toByteArray());
            piece = new ByteArrayOutputStream();
        }
        piece.writeBytes(bytes);
        return piece;
    }

    private void loginReply(String status, String text) {
        switch (status) {
            case "OK" -> {
                List<String> fromCode = capabilityCode(text);
                if (fromCode != null) {
                    loggedInCapabilities = fromCode;
                }
                if (loggedInCapabilities == null) {
                    state = State.POST_CAPABILITY;
                    send(command("CAPABILITY") + "\r\n");
                } else {
                    succeed();
                }
            }
            case "NO" -> {
                String code = responseCode(text);
                boolean temporary = code != null && TEMPORARY_CODES.contains(code);
                fail(!temporary, temporary ? "login refused with [" + code + "]" : null);
            }
            default -> fail(false, "login answered with " + status);
        }
    }

    private void succeed() {
        state = State.DONE;
        BackendConnection loggedIn = connection;
        connection = null;
        done.accept(new BackendLoginResult.LoggedIn(loggedIn, loggedInCapabilities, null));
    }

    /**
     * Ends the login without success.
     *
     * @param authFailed whether the backend refused the credentials (else: temporarily unavailable)
     * @param why        what went wrong, for the log, or {@code null} if already logged or nothing to say
     */
    private void fail(boolean authFailed, String why) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        if (why != null) {
            LOG.warn("session={} msg=\"IMAP backend login failed\" backend={} reason={}", session.id(),
                    io.github.mailproxy.Logfmt.value(backendName()), io.github.mailproxy.Logfmt.value(why));
        }
        if (connection != null) {
            connection.close();
            connection = null;
        }
        done.accept(authFailed ? new BackendLoginResult.Refused() : new BackendLoginResult.Unavailable(null));
    }

    /** @return the backend's address as {@code host:port}, for the log */
    private String backendName() {
        return BackendConnection.logName(backendAddress, targetName);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return java.nio.ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    private String command(String name) {
        currentTag = "mp" + (++tagCounter);
        return currentTag + " " + name;
    }

    private void send(String text) {
        connection.write(utf8(text));
    }

    /** @return the capabilities in a leading {@code [CAPABILITY ...]} code, or {@code null} */
    static List<String> capabilityCode(String text) {
        String t = text.stripLeading();
        if (!startsWithIgnoreCase(t, "[CAPABILITY ")) {
            return null;
        }
        int end = t.indexOf(']');
        return end < 0 ? null : words(t.substring("[CAPABILITY ".length(), end));
    }

    /** @return the name of a leading response code, upper case, or {@code null} */
    static String responseCode(String text) {
        String t = text.stripLeading();
        if (!t.startsWith("[")) {
            return null;
        }
        int end = 1;
        while (end < t.length() && t.charAt(end) != ']' && t.charAt(end) != ' ') {
            end++;
        }
        return t.substring(1, end).toUpperCase(Locale.ROOT);
    }

    /** @return the size of a literal {@code {n}} or {@code {n+}} that ends the line, or -1 */
    static long trailingLiteral(String line) {
        if (!line.endsWith("}")) {
            return -1;
        }
        int open = line.lastIndexOf('{');
        if (open < 0) {
            return -1;
        }
        String digits = line.substring(open + 1, line.length() - 1);
        if (digits.endsWith("+")) {
            digits = digits.substring(0, digits.length() - 1);
        }
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }

    private static boolean hasCapability(List<String> caps, String name) {
        return caps != null && caps.stream().anyMatch(c -> c.equalsIgnoreCase(name));
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.trim().split(" +")).filter(w -> !w.isEmpty()).toList();
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ImapBackendLogin[session=" + session.id() + ", state=" + state + ", credentials=" + credentials + "]";
    }
}
