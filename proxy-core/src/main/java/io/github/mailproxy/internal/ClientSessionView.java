package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LoginFlow;
import io.github.mailproxy.spi.Protocol;
import io.github.mailproxy.spi.SessionSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session as the protocol module sees it ({@link ClientSession}): the client's identity and
 * policies from the server's configuration, and the calls that go on to the {@link Session} (I/O),
 * the {@link AuthService} and the {@link BackendConnector}. Called on the session's loop only.
 */
final class ClientSessionView implements ClientSession, LoginFlow.Host, AuthService.Caller {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSessionView.class);

    private final Session session;
    private final EngineConfig config;
    private final SessionSettings settings;
    private final AuthService.Client auth;
    /**
     * The address the connection comes from, as accepted, or as the PROXY protocol header of a
     * trusted load balancer names it: what connection limits count.
     */
    private InetSocketAddress peerAddress;
    private InetSocketAddress localAddress;
    private boolean trusted;
    /** The client used TLS to the load balancer in front (PROXY protocol v2 SSL TLV). */
    private boolean securedAtBalancer;
    /** The server name the client asked the load balancer for, or null. */
    private String serverName;
    /** The client's address as the session reports it: the peer, or the client a trusted peer speaks for. */
    private volatile InetSocketAddress clientAddress;
    private int incomingProxyTtl = -1;
    private volatile String user;
    private Outcome outcome = Outcome.NO_LOGIN;
    private final LoginFlow login;

    /**
     * @param session      the session
     * @param engine       the server
     * @param protocol     the listener's protocol, whose backend login the session's login flow runs
     * @param peerAddress  the address the connection comes from
     * @param localAddress the address it was accepted on
     */
    ClientSessionView(Session session, Engine engine, Protocol protocol, InetSocketAddress peerAddress,
                      InetSocketAddress localAddress) {
        this.session = session;
        this.login = new LoginFlow(this, this, protocol);
        this.config = engine.config();
        this.settings = engine.sessionSettings();
        this.peerAddress = peerAddress;
        this.localAddress = localAddress;
        this.clientAddress = peerAddress;
        this.trusted = config.loginTrustedNetworks().contains(peerAddress.getAddress());
        this.auth = engine.authService().client(this);
    }

    @Override
    public String id() {
        return session.sessionId();
    }

    @Override
    public String sessionId() {
        return session.sessionId();
    }

    @Override
    public java.util.concurrent.Executor loop() {
        return session.loop();
    }

    @Override
    public java.net.InetAddress clientIp() {
        return clientAddress.getAddress();
    }

    @Override
    public boolean trusted() {
        return trusted;
    }

    @Override
    public boolean open() {
        return session.open();
    }

    /** @return the address the connection was accepted from, whatever a trusted client says */
    InetSocketAddress peerAddress() {
        return peerAddress;
    }

    /**
     * A trusted load balancer's PROXY protocol header names the client: from now on it is the client
     * for everything, as if it had connected directly. Called before the greeting.
     *
     * @param header a header that names addresses ({@link ProxyHeader#proxied()})
     */
    void proxiedBy(ProxyHeader header) {
        peerAddress = header.source();
        clientAddress = header.source();
        localAddress = header.destination();
        trusted = config.loginTrustedNetworks().contains(peerAddress.getAddress());
        securedAtBalancer = header.ssl();
        serverName = header.authority();
    }

    /**
     * The server name the client asked for in its own TLS handshake with this proxy; a name the load
     * balancer in front reported stays.
     *
     * @param name the SNI host name, or null
     */
    void serverNameFromHandshake(String name) {
        if (serverName == null) {
            serverName = name;
        }
    }

    /** @return the server name the client asked for (at the load balancer in front, or in its TLS handshake), or null */
    String serverName() {
        return serverName;
    }

    @Override
    public BackendTarget backendTarget(BackendTarget target) {
        return target.withHaproxy(target.haproxy() != null ? target.haproxy() : config.backendHaproxy());
    }

    /** @return whether the client used TLS to the load balancer in front of this proxy */
    boolean securedAtBalancer() {
        return securedAtBalancer;
    }

    /** A login went through: the client's address loses its auth penalty. */
    void loginSucceeded() {
        auth.succeeded();
    }

    @Override
    public String protocol() {
        return session.protocol();
    }

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean clientTrusted() {
        return trusted;
    }

    @Override
    public void originatingClient(InetSocketAddress address) {
        if (!trusted) {
            LOG.info("session {}: ignoring the originating address of an untrusted client", id());
            return;
        }
        clientAddress = address;
    }

    @Override
    public void incomingProxyTtl(int ttl) {
        if (clientTrusted()) {
            incomingProxyTtl = Math.max(0, ttl);
        }
    }

    @Override
    public int proxyTtl() {
        return incomingProxyTtl >= 0 ? incomingProxyTtl : config.proxyTtl();
    }

    @Override
    public boolean secured() {
        return session.secured() || securedAtBalancer;
    }

    @Override
    public boolean startTlsAvailable() {
        return session.startTlsAvailable();
    }

    @Override
    public boolean plaintextAuthAllowed() {
        PlaintextAuth policy = config.plaintextAuth();
        return switch (policy) {
            case ALWAYS -> true;
            case TLS_ONLY -> secured();
            // as Dovecot's "secured": the connection itself (not a client a trusted peer names) is
            // encrypted, local, or from the login trusted networks
            case TLS_OR_LOOPBACK -> secured() || peerAddress.getAddress().isLoopbackAddress() || trusted;
        };
    }

    @Override
    public Set<String> mechanisms() {
        Set<String> all = config.authStrategy().mechanisms();
        if (plaintextAuthAllowed()) {
            return all;
        }
        Set<String> kept = new LinkedHashSet<>(all);
        kept.remove("PLAIN");
        kept.remove("LOGIN");
        return kept;
    }

    @Override
    public SessionSettings settings() {
        return settings;
    }

    @Override
    public List<String> filterCapabilities(CapabilityFilter.Phase phase, List<String> capabilities) {
        return config.capabilityFilter().filter(phase, protocol(), capabilities);
    }

    @Override
    public void write(byte[] bytes) {
        session.write(bytes);
    }

    @Override
    public void write(String text) {
        session.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void pauseInput() {
        session.pauseInput();
    }

    @Override
    public void resumeInput() {
        session.resumeInput();
    }

    @Override
    public void startTls() {
        session.startTls();
    }

    @Override
    public AuthRequest authRequest(String user, String password, String mechanism) {
        return new AuthRequest(protocol(), user, password, mechanism, clientAddress(), localAddress(), secured(), id())
                .withServerName(serverName);
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        session.status().authenticating();
        return auth.authenticate(request);
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        session.status().authenticating();
        return auth.lookup(request);
    }

    @Override
    public CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
        session.status().authenticating();
        return auth.authorize(request, result);
    }

    @Override
    public PasswordScheme passwordScheme() {
        return config.authStrategy().passwordScheme();
    }

    @Override
    public <T> CompletionStage<T> offload(Supplier<T> work) {
        return auth.offload(work);
    }

    @Override
    public void afterFailureDelay(Runnable reply) {
        auth.afterFailureDelay(reply);
    }

    @Override
    public void user(String user) {
        this.user = user;
    }

    @Override
    public void outcome(Outcome outcome) {
        this.outcome = outcome;
        if (session.beforeLogin() && SessionStatus.isLoginOutcome(outcome)) {
            session.status().decided();
        }
    }

    /** @return the user who tried to log in last, or null; readable from any thread */
    String user() {
        return user;
    }

    /** @return the outcome as it stands */
    Outcome outcome() {
        return outcome;
    }

    @Override
    public void loginEnded() {
        session.reportDecision();
    }

    @Override
    public void backendLoginDone() {
        session.status().backendLoginDone();
    }

    @Override
    public void passDbLookup(java.time.Duration took) {
        session.status().passDbLookup(took);
    }

    /**
     * Reports the closed session to the server's session listener.
     *
     * @param backendAddress the backend connected last, or null
     * @param relayed        whether the relay ran
     * @param clientBytes    bytes relayed from the client
     * @param backendBytes   bytes relayed from the backend
     * @param duration       how long the session lasted
     */
    void reportClosed(InetSocketAddress backendAddress, boolean relayed, long clientBytes, long backendBytes,
                      java.time.Duration duration) {
        io.github.mailproxy.SessionEvent event = new io.github.mailproxy.SessionEvent(id(), protocol(), user,
                clientAddress, relayed || outcome == Outcome.PROXIED ? backendAddress : null, clientBytes, backendBytes,
                duration, outcome);
        session.engine().sessionEnded(event);
    }

    @Override
    public void connectBackend(BackendTarget target, BackendHandler handler) {
        session.connectBackend(target, handler, proxyTtl());
    }

    @Override
    public List<String> localCapabilities() {
        io.github.mailproxy.LocalSessionHandler handler = config.localHandlers().get(protocol());
        return handler == null ? null : List.copyOf(handler.capabilities());
    }

    @Override
    public void startLocal(String user, String tag) {
        session.startLocal(user, tag);
    }

    @Override
    public void startRelay(BackendConnection backend) {
        session.startRelay(backend);
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public LoginFlow login() {
        return login;
    }

    @Override
    public String toString() {
        return session.toString();
    }
}
