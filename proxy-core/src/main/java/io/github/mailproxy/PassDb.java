package io.github.mailproxy;

import java.util.concurrent.CompletionStage;

/**
 * Finds out where a user's mailbox lives and how the user may log in, as Dovecot's passdb does.
 *
 * <p>Implementations must not block the calling thread: the proxy calls {@link #lookup} on an event
 * loop. A PassDb that needs blocking I/O (JDBC, files) runs it on an executor of its own and
 * completes the stage from there. A stage completed exceptionally is treated like
 * {@link PassDbResult#temporaryFailure(String)}: the client is told to try again later, never that
 * its password was wrong.
 *
 * <pre>{@code
 * PassDb byDomain = request -> CompletableFuture.completedFuture(
 *     PassDbResult.found(Map.of("proxy", "y", "nopassword", "y",
 *         "host", request.user().endsWith("@example.org") ? "10.0.0.1" : "10.0.0.2")));
 * }</pre>
 */
@FunctionalInterface
public interface PassDb {

    /**
     * Looks a user up.
     *
     * @param request who is logging in, from where, with which mechanism
     * @return the result; never {@code null}
     */
    CompletionStage<PassDbResult> lookup(AuthRequest request);
}
