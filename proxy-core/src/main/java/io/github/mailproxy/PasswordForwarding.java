package io.github.mailproxy;

import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.internal.PasswordCheck;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link AuthStrategy#passwordForwarding()}: the backend checks the client's own password. Routes through
 * {@link DovecotRouting}, as a custom strategy would.
 */
final class PasswordForwarding implements AuthStrategy {

    /** The one instance: the strategy has no settings. */
    static final PasswordForwarding INSTANCE = new PasswordForwarding();

    private static final PasswordScheme SCHEMES = PasswordScheme.dovecot();
    private static final Set<String> MECHANISMS =
            java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of("PLAIN", "LOGIN")));

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
        Optional<AuthDecision> refused = DovecotRouting.refusal(request, result);
        if (refused.isPresent()) {
            return CompletableFuture.completedFuture(refused.get());
        }
        String stored = result.field(PassDbResult.PASSWORD).orElse("");
        if (result.flag(PassDbResult.NOPASSWORD) || stored.isEmpty()) {
            return CompletableFuture.completedFuture(route(request, result));
        }
        return PasswordCheck.check(SCHEMES, request.password(), stored, request.sessionId())
                .thenApply(rejected -> rejected.orElseGet(() -> route(request, result)));
    }

    private static AuthDecision route(AuthRequest request, PassDbResult result) {
        return DovecotRouting.route(request, result, DovecotRouting.forwardedCredentials(request, result));
    }

    @Override
    public String toString() {
        return "PasswordForwarding";
    }
}
