package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.BackendCredentials;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link AuthStrategy#passwordForwarding()}: the backend checks the client's own password. */
public final class PasswordForwarding implements AuthStrategy {

    /** The one instance. */
    public static final PasswordForwarding INSTANCE = new PasswordForwarding();

    private static final PasswordScheme SCHEMES = PasswordScheme.dovecot();
    private static final Set<String> MECHANISMS =
            java.util.Collections.unmodifiableSet(new LinkedHashSet<>(java.util.List.of("PLAIN", "LOGIN")));

    private PasswordForwarding() {
    }

    @Override
    public Set<String> mechanisms() {
        return MECHANISMS;
    }

    @Override
    public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
        if (!request.hasPlaintextPassword()) {
            return CompletableFuture.completedFuture(new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED,
                    "Password forwarding needs a plaintext mechanism (PLAIN or LOGIN)"));
        }
        Optional<AuthDecision> unusable = Routing.unusable(request, result);
        if (unusable.isPresent()) {
            return CompletableFuture.completedFuture(unusable.get());
        }
        String stored = result.field(PassDbResult.PASSWORD).orElse("");
        if (result.flag(PassDbResult.NOPASSWORD) || stored.isEmpty()) {
            return CompletableFuture.completedFuture(route(request, result));
        }
        return PasswordCheck.check(SCHEMES, request.password(), stored, request.sessionId())
                .thenApply(rejected -> rejected.orElseGet(() -> route(request, result)));
    }

    /**
     * The backend gets the password's bytes exactly as the client sent them, and so the user name's
     * unless the PassDb renamed the user ({@code destuser}, sent as UTF-8).
     */
    private static AuthDecision route(AuthRequest request, PassDbResult result) {
        boolean renamed = result.field(PassDbResult.DESTUSER).filter(u -> !u.isEmpty()).isPresent();
        return Routing.route(request, result, destUser -> BackendCredentials.forwarding(destUser,
                renamed ? destUser.getBytes(StandardCharsets.UTF_8) : request.userBytes(),
                request.password(), request.passwordBytes()));
    }
}
