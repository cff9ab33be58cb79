package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDbResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link AuthStrategy#passwordForwarding()}: the backend checks the client's own password. */
public final class PasswordForwarding implements AuthStrategy {

    /** The one instance. */
    public static final PasswordForwarding INSTANCE = new PasswordForwarding();

    private static final Logger LOG = LoggerFactory.getLogger(PasswordForwarding.class);
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
        return CompletableFuture.completedFuture(decideNow(request, result));
    }

    private static AuthDecision decideNow(AuthRequest request, PassDbResult result) {
        if (!request.hasPlaintextPassword()) {
            return new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED,
                    "Password forwarding needs a plaintext mechanism (PLAIN or LOGIN)");
        }
        switch (result.status()) {
            case NOT_FOUND:
                return new AuthDecision.Reject(Failure.AUTH_FAILED, null);
            case TEMPORARY_FAILURE:
                LOG.warn("passdb temporary failure for session {}: {}", request.sessionId(), result.failureReason());
                return new AuthDecision.Reject(Failure.TEMPORARY, null);
            default:
                break;
        }
        String stored = result.field(PassDbResult.PASSWORD).orElse("");
        if (!result.flag(PassDbResult.NOPASSWORD) && !stored.isEmpty() && !plainMatches(stored, request.password())) {
            return new AuthDecision.Reject(Failure.AUTH_FAILED, null);
        }
        return Routing.route(request, result, request.password(), null);
    }

    /** Compares a stored plaintext password ({@code {PLAIN}} or {@code {CLEARTEXT}} prefix allowed) in constant time. */
    private static boolean plainMatches(String stored, String given) {
        String value = stored;
        if (stored.startsWith("{")) {
            int end = stored.indexOf('}');
            String scheme = end < 0 ? "" : stored.substring(1, end).toUpperCase(Locale.ROOT);
            if (!scheme.equals("PLAIN") && !scheme.equals("CLEARTEXT")) {
                LOG.warn("password scheme {} cannot be checked in password forwarding mode; login refused", scheme);
                return false;
            }
            value = stored.substring(end + 1);
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
