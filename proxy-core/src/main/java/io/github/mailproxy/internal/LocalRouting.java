package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's part of local logins, applied to every strategy's decision: {@code proxy_maybe} to one of
 * this server's addresses (its listeners, and Dovecot's {@code auth_proxy_self} list) becomes a local
 * login, and a local login stands only when the proxy verified the client's credentials, since no
 * backend will. Address literals only: nothing is looked up on the loop. Wraps the configured strategy,
 * so that the auth service sees one strategy whatever it is. Thread-safe.
 */
final class LocalRouting implements AuthStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRouting.class);

    private final AuthStrategy strategy;
    private final OwnListeners listeners;
    private final NetworkList proxySelf;
    private final java.util.function.BooleanSupplier started;

    /**
     * @param strategy  the configured strategy
     * @param listeners this server's listening addresses
     * @param proxySelf its other addresses
     * @param started   whether the listeners are bound
     */
    LocalRouting(AuthStrategy strategy, OwnListeners listeners, NetworkList proxySelf,
                 java.util.function.BooleanSupplier started) {
        this.strategy = strategy;
        this.listeners = listeners;
        this.proxySelf = proxySelf;
        this.started = started;
    }

    @Override
    public Set<String> mechanisms() {
        return strategy.mechanisms();
    }

    @Override
    public PasswordScheme passwordScheme() {
        return strategy.passwordScheme();
    }

    @Override
    public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
        return strategy.decide(request, result).thenApply(d -> d == null ? null : apply(request, result, d));
    }

    /**
     * @param request  the login
     * @param result   what the PassDb said
     * @param decision the strategy's decision
     * @return the decision, local for a {@code proxy_maybe} user of this server, refused for a local
     *         login nobody verified
     */
    AuthDecision apply(AuthRequest request, PassDbResult result, AuthDecision decision) {
        if (decision instanceof AuthDecision.Proxy proxy && result.flag(PassDbResult.PROXY_MAYBE)
                && !result.flag(PassDbResult.PROXY) && isSelf(proxy.target().hosts(), proxy.target().port())) {
            LOG.info("session={} msg=\"proxy_maybe: user is local\" host={}", request.sessionId(),
                    Text.logValue(String.join(" ", proxy.target().hosts())));
            decision = new AuthDecision.Local(request.user());
        }
        if (decision instanceof AuthDecision.Local && !verified(request, result)) {
            LOG.warn("session={} msg=\"local user, but the proxy did not verify the credentials: "
                    + "give the user a password in the passdb or use a verifying mechanism\"", request.sessionId());
            return new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null);
        }
        return decision;
    }

    /** The protocol verified a proof, or the result held a password, which the strategies check. */
    private static boolean verified(AuthRequest request, PassDbResult result) {
        return request.credentialsVerified() || (!result.flag(PassDbResult.NOPASSWORD)
                && result.field(PassDbResult.PASSWORD).filter(p -> !p.isEmpty()).isPresent());
    }

    private boolean isSelf(java.util.List<String> hosts, int port) {
        for (String host : hosts) {
            InetAddress ip = NetworkList.literal(host);
            if (ip != null && (proxySelf.contains(ip) || (started.getAsBoolean() && listeners.contains(ip, port)))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return strategy.toString();
    }
}
