package io.github.mailproxy.examples.launcher;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The admin listener's settings: where it listens and the token every request must carry.
 *
 * @param listen where the HTTP listener binds (loopback recommended)
 * @param token  the bearer token, or {@code null} for none; never in {@link #toString()}
 */
public record AdminConfig(InetSocketAddress listen, String token) {

    /**
     * @param listen where the HTTP listener binds
     * @param token  the bearer token, or {@code null} for none
     */
    public AdminConfig {
        Objects.requireNonNull(listen, "listen");
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException("token: empty");
        }
    }

    /**
     * @return the settings of {@code admin.*}, or {@code null} without {@code admin.listen}
     * @throws ConfigException naming the key at fault
     */
    static AdminConfig parse(ConfigValues v) {
        InetSocketAddress listen = v.get(ConfigKey.ADMIN_LISTEN);
        if (listen == null) {
            v.onlyWith("admin.listen", ConfigKey.ADMIN_TOKEN);
            return null;
        }
        return new AdminConfig(listen, v.get(ConfigKey.ADMIN_TOKEN));
    }

    @Override
    public String toString() {
        return "AdminConfig[listen=" + ListenAddress.format(listen) + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
