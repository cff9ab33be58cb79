package io.github.mailproxy.junit;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntSupplier;

/**
 * The PassDb behind {@code imapBackend(...)} and {@code pop3Backend(...)}: every user of a protocol
 * goes to that protocol's one backend, which checks the password itself ({@code nopassword}).
 */
final class FixedBackends implements PassDb {

    private final Map<String, Backend> byProtocol;

    FixedBackends(Map<String, Backend> byProtocol) {
        this.byProtocol = Map.copyOf(byProtocol);
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        Backend backend = byProtocol.get(request.protocol());
        if (backend == null) {
            // a listener a customiser added for a protocol that was given no backend
            return CompletableFuture.completedFuture(PassDbResult.notFound());
        }
        // asked at each login rather than once, so that a backend started after the extension was built
        // (GreenMail on a dynamic port) can be named by a supplier
        int port = backend.port().getAsInt();
        if (port < 1 || port > 65535) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "ProxyExtension: the " + request.protocol() + " backend port supplier returned " + port));
        }
        return CompletableFuture.completedFuture(PassDbResult.found(Map.of(
                PassDbResult.PROXY, "y",
                PassDbResult.HOST, backend.host(),
                PassDbResult.PORT, Integer.toString(port),
                PassDbResult.NOPASSWORD, "y")));
    }

    /** @return true: the answer is built in memory (the port suppliers only read a port) */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public String toString() {
        return "FixedBackends" + byProtocol.keySet();
    }

    /**
     * One backend.
     *
     * @param host the backend's host name or address
     * @param port its port, asked at each login
     */
    record Backend(String host, IntSupplier port) {
    }
}
