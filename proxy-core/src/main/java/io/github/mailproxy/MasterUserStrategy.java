package io.github.mailproxy;

import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.internal.PasswordCheck;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuthStrategy#masterUser(MasterLogin)}: the proxy checks the client's credentials itself,
 * then logs in to the backend with master credentials on the user's behalf. Routes through
 * {@link DovecotRouting}, as a custom strategy would.
 */
final class MasterUserStrategy implements AuthStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(MasterUserStrategy.class);

    private final MasterLogin login;

    /** @param login master credentials, style and mechanisms */
    MasterUserStrategy(MasterLogin login) {
        this.login = login;
    }

    @Override
    public Set<String> mechanisms() {
        return login.mechanisms();
    }

    @Override
    public PasswordScheme passwordScheme() {
        return login.passwordScheme();
    }

    @Override
    public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
        Optional<AuthDecision> refused = DovecotRouting.refusal(request, result);
        if (refused.isPresent()) {
            return CompletableFuture.completedFuture(refused.get());
        }
        if (request.credentialsVerified() || result.flag(PassDbResult.NOPASSWORD)) {
            return CompletableFuture.completedFuture(route(request, result));
        }
        if (!request.hasPlaintextPassword()) {
            return CompletableFuture.completedFuture(new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED,
                    "Mechanism " + request.mechanism() + " was not verified"));
        }
        String stored = result.field(PassDbResult.PASSWORD).orElse("");
        if (stored.isEmpty()) {
            LOG.info("session {}: user has no password in the passdb; login refused", request.sessionId());
            return CompletableFuture.completedFuture(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        }
        return PasswordCheck.check(login.passwordScheme(), request.password(), stored, request.sessionId())
                .thenApply(rejected -> rejected.orElseGet(() -> route(request, result)));
    }

    private AuthDecision route(AuthRequest request, PassDbResult result) {
        String master = result.field(PassDbResult.MASTER).filter(m -> !m.isEmpty()).orElse(login.user());
        String pass = result.field(PassDbResult.PASS).filter(p -> !p.isEmpty()).orElse(login.password());
        if (master == null || pass == null) {
            LOG.warn("session {}: no master user or password (neither configured nor in the passdb)", request.sessionId());
            return new AuthDecision.Reject(Failure.TEMPORARY, null);
        }
        MasterLogin.Style style = result.field(MasterLogin.STYLE_FIELD)
                .map(s -> s.trim().toUpperCase(Locale.ROOT))
                .flatMap(s -> s.equals("AUTHZID") ? Optional.of(MasterLogin.Style.AUTHZID)
                        : s.equals("SEPARATOR") ? Optional.of(MasterLogin.Style.SEPARATOR) : Optional.empty())
                .orElse(login.style());
        // the user name goes to the backend as the client sent it, unless the PassDb renamed the user
        boolean renamed = result.field(PassDbResult.DESTUSER).filter(u -> !u.isEmpty()).isPresent();
        return DovecotRouting.route(request, result, destUser -> {
            byte[] user = renamed ? destUser.getBytes(StandardCharsets.UTF_8) : request.userBytes();
            return style == MasterLogin.Style.AUTHZID
                    ? new BackendCredentials(destUser, master, pass, BackendCredentials.Mechanism.PLAIN, user, null)
                    : new BackendCredentials(destUser + login.separator() + master, null, pass,
                            BackendCredentials.Mechanism.LOGIN,
                            concat(user, (login.separator() + master).getBytes(StandardCharsets.UTF_8)), null);
        });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return "MasterUserStrategy[" + login + "]";
    }
}
