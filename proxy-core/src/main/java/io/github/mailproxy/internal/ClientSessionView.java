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
final class ClientSessionView implements ClientSession {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSessionView.class);

    private final Session session;
    private final EngineConfig config;
    private final SessionSettings settings;
    private final AuthService.Client auth;
    private int incomingProxyTtl = -1;

    /**
     * @param session  the session
     * @param config   the server's configuration
     * @param settings the protocol's limits
     * @param auth     the session's view of the auth service
     */
    ClientSessionView(Session session, EngineConfig config, SessionSettings settings, AuthService.Client auth) {
        this.session = session;
        this.config = config;
        this.settings = settings;
        this.auth = auth;
    }

    @Override
    public String id() {
        return session.id();
    }

    @Override
    public String protocol() {
        return session.protocol();
    }

    @Override
    public InetSocketAddress clientAddress() {
        return session.clientAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return session.localAddress();
    }

    @Override
    public boolean clientTrusted() {
        return session.trusted();
    }

    @Override
    public void originatingClient(InetSocketAddress address) {
        if (!clientTrusted()) {
            LOG.info("session {}: ignoring the originating address of an untrusted client", id());
            return;
        }
        session.clientAddress(address);
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
        return session.secured();
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
            case TLS_OR_LOOPBACK -> secured() || session.peerAddress().getAddress().isLoopbackAddress() || clientTrusted();
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
        return new AuthRequest(protocol(), user, password, mechanism, clientAddress(), localAddress(), secured(), id());
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        return auth.authenticate(request);
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return auth.lookup(request);
    }

    @Override
    public CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
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
        session.user(user);
    }

    @Override
    public void outcome(Outcome outcome) {
        session.outcome(outcome);
    }

    @Override
    public void connectBackend(BackendTarget target, BackendHandler handler) {
        session.connectBackend(target, handler, proxyTtl());
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
    public String toString() {
        return session.toString();
    }
}
