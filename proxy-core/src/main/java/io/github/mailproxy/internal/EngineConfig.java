package io.github.mailproxy.internal;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.SessionListener;
import io.github.mailproxy.spi.SessionSettings;
import java.time.Duration;
import java.util.List;

/**
 * The checked configuration of a server, with every default applied: made in one place,
 * {@code ProxyServer.Builder.engineConfig()}, whose {@code DEFAULT_} constants name the defaults.
 * {@code tlsProvider} is null for the JVM's default provider.
 */
public record EngineConfig(List<Listener> listeners, PassDb passDb, AuthCacheSpec authCache, AuthStrategy authStrategy,
                           CapabilityFilter capabilityFilter, SessionListener sessionListener,
                           Duration loginTimeout, Duration backendConnectTimeout, Duration shutdownTimeout,
                           int eventLoops, PlaintextAuth plaintextAuth, int maxLineLength, int maxLiteralSize,
                           int maxBadCommands, boolean backendTrusted, int proxyTtl,
                           javax.net.ssl.SSLContext backendSslContext, Duration authFailureDelay,
                           io.github.mailproxy.Scheduler scheduler, int maxConnections,
                           int maxConnectionsPerIp, int maxLoginsPerIpPerMinute, List<String> tlsProtocols,
                           Duration passDbTimeout, Duration idleTimeout,
                           NetworkList loginTrustedNetworks, int maxPendingOutput,
                           io.github.mailproxy.Ticker ticker, int passDbThreads,
                           java.util.Map<String, io.github.mailproxy.LocalSessionHandler> localHandlers,
                           NetworkList proxySelf, java.security.Provider tlsProvider,
                           NetworkList haproxyTrustedNetworks, Duration haproxyTimeout, boolean backendHaproxy) {

    /** @return the settings protocol modules see */
    public SessionSettings sessionSettings() {
        return new SessionSettings(maxLineLength, maxLiteralSize, maxBadCommands, backendTrusted, proxyTtl);
    }
}
