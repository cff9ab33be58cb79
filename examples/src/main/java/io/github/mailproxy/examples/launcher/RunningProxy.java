package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.ProxyServer;
import java.util.Objects;
import java.util.Optional;

/**
 * A proxy the launcher started, with what it owns besides the server (a JDBC pool).
 *
 * <pre>{@code
 * try (RunningProxy proxy = Launcher.start(LauncherConfig.load(Path.of("mailproxy.properties")))) {
 *     int port = proxy.server().port("imap");
 * }
 * }</pre>
 */
public final class RunningProxy implements AutoCloseable {

    private final ProxyServer server;
    private final LauncherConfig config;
    private final AdminListener admin;

    RunningProxy(ProxyServer server, LauncherConfig config, AdminListener admin) {
        this.server = Objects.requireNonNull(server, "server");
        this.config = Objects.requireNonNull(config, "config");
        this.admin = admin;
    }

    /** @return the running server */
    public ProxyServer server() {
        return server;
    }

    /** @return the configuration it runs with */
    public LauncherConfig config() {
        return config;
    }

    /** @return the admin listener, or empty without {@code admin.listen} */
    public Optional<AdminListener> admin() {
        return Optional.ofNullable(admin);
    }

    /**
     * Closes the server, then the admin listener (which answers {@code /health/ready} with 503 while the
     * server drains), then the PassDb's resources.
     */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            try {
                if (admin != null) {
                    admin.close();
                }
            } finally {
                config.close();
            }
        }
    }
}
