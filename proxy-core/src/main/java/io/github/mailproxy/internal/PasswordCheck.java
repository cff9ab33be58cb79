package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.PasswordScheme;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a client's password against a stored value for the auth strategies: cheap schemes at
 * once, expensive ones (crypt family, PBKDF2, Argon2) on a bounded executor, never on a loop.
 * Public for the built-in strategies in {@code io.github.mailproxy}; the package is not exported.
 */
public final class PasswordCheck {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordCheck.class);
    private static final Optional<AuthDecision> PASSED = Optional.empty();

    /**
     * Shared by the built-in strategies, which have no handle on their server: a pool like the auth
     * service's, for the whole JVM (see the report of issue 12: strategies get the server's pool
     * once they have a context to take it from).
     */
    static final java.util.concurrent.ExecutorService HASHING = AuthService.newHashingExecutor();

    private PasswordCheck() {
    }

    /**
     * @param schemes   how to read the stored value
     * @param password  the client's password
     * @param stored    the PassDb's {@code password} field
     * @param sessionId for the log
     * @return empty when the password matches; else the rejection to give
     */
    public static CompletionStage<Optional<AuthDecision>> check(PasswordScheme schemes, String password, String stored,
                                                        String sessionId) {
        if (!schemes.isExpensive(stored)) {
            return CompletableFuture.completedFuture(outcome(schemes.verify(password, stored), sessionId));
        }
        try {
            return CompletableFuture.supplyAsync(() -> outcome(schemes.verify(password, stored), sessionId), HASHING);
        } catch (RejectedExecutionException e) {
            LOG.warn("session {}: too many password checks queued; try again later", sessionId);
            return CompletableFuture.completedFuture(Optional.of(temporary()));
        }
    }

    private static Optional<AuthDecision> outcome(PasswordScheme.Verdict verdict, String sessionId) {
        switch (verdict) {
            case MATCH:
                return PASSED;
            case MISMATCH:
                return Optional.of(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
            default:
                // Dovecot treats a stored value it cannot read as an internal error, not a wrong password.
                LOG.warn("session {}: stored password cannot be checked: {}", sessionId, verdict);
                return Optional.of(temporary());
        }
    }

    private static AuthDecision temporary() {
        return new AuthDecision.Reject(Failure.TEMPORARY, null);
    }
}
