package io.github.mailproxy.examples;

import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import java.time.Duration;
import java.util.List;

/**
 * The launcher's limits and timeouts. A {@code null} component leaves the {@link ProxyServer.Builder}'s
 * default in place.
 *
 * @param loginTimeout            {@code login.timeout}
 * @param idleTimeout             {@code idle.timeout}
 * @param backendTimeout          {@code backend.timeout}
 * @param authFailureDelay        {@code auth.failure-delay}
 * @param maxConnections          {@code max.connections}
 * @param maxConnectionsPerIp     {@code max.connections.per-ip}
 * @param maxLoginsPerIpPerMinute {@code max.logins.per-ip}
 * @param plaintextAuth           {@code plaintext.auth}
 * @param backendTrusted          {@code backend.trusted}
 * @param tlsProtocols            {@code tls.protocols}
 * @param loginTrustedNetworks    {@code login.trusted-networks}: addresses and CIDR networks
 */
public record ServerOptions(Duration loginTimeout, Duration idleTimeout, Duration backendTimeout,
                            Duration authFailureDelay, Integer maxConnections, Integer maxConnectionsPerIp,
                            Integer maxLoginsPerIpPerMinute, PlaintextAuth plaintextAuth, Boolean backendTrusted,
                            List<String> tlsProtocols, List<String> loginTrustedNetworks) {

    /** @return options that leave every default of the builder in place */
    public static ServerOptions defaults() {
        return new ServerOptions(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** @return a copy with {@code auth.failure-delay} set, as the demo and tests want no delay */
    ServerOptions withAuthFailureDelay(Duration delay) {
        return new ServerOptions(loginTimeout, idleTimeout, backendTimeout, delay, maxConnections,
                maxConnectionsPerIp, maxLoginsPerIpPerMinute, plaintextAuth, backendTrusted, tlsProtocols,
                loginTrustedNetworks);
    }

    static ServerOptions parse(ConfigValues v) {
        String plaintext = v.choice(ConfigKey.PLAINTEXT_AUTH, "always", "tls-or-loopback", "tls-only");
        return new ServerOptions(
                v.duration(ConfigKey.LOGIN_TIMEOUT, false),
                v.duration(ConfigKey.IDLE_TIMEOUT, false),
                v.duration(ConfigKey.BACKEND_TIMEOUT, false),
                v.duration(ConfigKey.AUTH_FAILURE_DELAY, true),
                v.positiveInt(ConfigKey.MAX_CONNECTIONS),
                v.positiveInt(ConfigKey.MAX_CONNECTIONS_PER_IP),
                v.positiveInt(ConfigKey.MAX_LOGINS_PER_IP),
                plaintext == null ? null : PlaintextAuth.valueOf(plaintext.replace('-', '_').toUpperCase(java.util.Locale.ROOT)),
                v.bool(ConfigKey.BACKEND_TRUSTED),
                v.list(ConfigKey.TLS_PROTOCOLS),
                trustedNetworks(v));
    }

    private static List<String> trustedNetworks(ConfigValues v) {
        List<String> networks = v.list(ConfigKey.LOGIN_TRUSTED_NETWORKS);
        if (networks == null) {
            return null;
        }
        try {
            ProxyServer.builder().loginTrustedNetworks(networks.toArray(String[]::new));  // checks each entry
        } catch (IllegalArgumentException e) {
            String why = e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip();
            throw new ConfigException(ConfigKey.LOGIN_TRUSTED_NETWORKS.key() + ": " + why, e);
        }
        return networks;
    }

    /**
     * Sets what is not {@code null} on a builder.
     *
     * @param b the builder
     */
    void applyTo(ProxyServer.Builder b) {
        if (loginTimeout != null) {
            b.loginTimeout(loginTimeout);
        }
        if (idleTimeout != null) {
            b.idleTimeout(idleTimeout);
        }
        if (backendTimeout != null) {
            b.backendConnectTimeout(backendTimeout);
        }
        if (authFailureDelay != null) {
            b.authFailureDelay(authFailureDelay);
        }
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        if (maxConnectionsPerIp != null) {
            b.maxConnectionsPerIp(maxConnectionsPerIp);
        }
        if (maxLoginsPerIpPerMinute != null) {
            b.maxLoginsPerIpPerMinute(maxLoginsPerIpPerMinute);
        }
        if (plaintextAuth != null) {
            b.plaintextAuth(plaintextAuth);
        }
        if (backendTrusted != null) {
            b.backendTrusted(backendTrusted);
        }
        if (tlsProtocols != null) {
            b.tlsProtocols(tlsProtocols.toArray(String[]::new));
        }
        if (loginTrustedNetworks != null) {
            b.loginTrustedNetworks(loginTrustedNetworks.toArray(String[]::new));
        }
    }
}
