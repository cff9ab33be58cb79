package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.ProxyServer;
import java.util.Objects;

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

    RunningProxy(ProxyServer server, LauncherConfig config) {
        this.server = Objects.requireNonNull(server, "server");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** @return the running server */
    public ProxyServer server() {
        return server;
    }

    /** @return the configuration it runs with */
    public LauncherConfig config() {
        return config;
    }

    /** Closes the server, then the PassDb's resources. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            config.close();
        }
    }
}
