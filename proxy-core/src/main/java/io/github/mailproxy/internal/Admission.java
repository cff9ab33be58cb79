package io.github.mailproxy.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-server connection and login counts: connections at once in total and per client address,
 * and the opt-in cap on logins per address per minute. An IPv6 /64 counts as one address; clients in
 * the login trusted networks are held to the total only. Thread-safe: every loop admits its own
 * connections.
 */
final class Admission {

    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final int maxLoginsPerIpPerMinute;
    private final NetworkList trusted;
    /** Connections accepted and not yet closed, counted from accept on. */
    private final AtomicInteger admitted = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> connectionsPerIp = new ConcurrentHashMap<>();
    private final Cache<InetAddress, AtomicInteger> loginsPerIp;

    Admission(EngineConfig config, Ticker ticker) {
        this.maxConnections = config.maxConnections();
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
        this.maxLoginsPerIpPerMinute = config.maxLoginsPerIpPerMinute();
        this.trusted = config.loginTrustedNetworks();
        this.loginsPerIp = Caffeine.newBuilder().ticker(ticker)
                .expireAfterWrite(Duration.ofMinutes(1)).maximumSize(100_000).build();
    }

    /**
     * Counts a new connection against the limits; one over a limit is still counted (and released
     * when it closes), so the caller refuses it politely.
     *
     * @param ip the client's address, or {@code null} when it is not known
     * @return null if the connection is within the limits, else the limit it is over
     */
    io.github.mailproxy.RefusalCause admit(InetAddress ip) {
        int perIp = ip == null ? 0 : connectionsPerIp.merge(AddressKey.of(ip), 1, Integer::sum);
        int total = admitted.incrementAndGet();
        if (total > maxConnections) {
            return io.github.mailproxy.RefusalCause.MAX_CONNECTIONS;
        }
        return perIp <= maxConnectionsPerIp || trusted.contains(ip) ? null
                : io.github.mailproxy.RefusalCause.MAX_CONNECTIONS_PER_IP;
    }

    /**
     * Counts an admitted connection (admitted with a {@code null} address) under the client address a
     * load balancer's PROXY header names; {@link #release} then releases it under that address.
     *
     * @param ip the client's address
     * @return whether it is within the per-address limit (trusted clients always are)
     */
    boolean admitAddress(InetAddress ip) {
        int perIp = connectionsPerIp.merge(AddressKey.of(ip), 1, Integer::sum);
        return perIp <= maxConnectionsPerIp || trusted.contains(ip);
    }

    /** @param ip the address an admitted connection came from, now closed; {@code null} as given to admit */
    void release(InetAddress ip) {
        admitted.decrementAndGet();
        if (ip != null) {
            connectionsPerIp.computeIfPresent(AddressKey.of(ip), (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * Counts a login attempt from an address when a per-minute cap is set: by default there is none,
     * so that a webmail server or a large NAT is never refused for logging in often. Callers skip
     * trusted clients.
     *
     * @param address the client's address
     * @return whether it is within the per-minute cap
     */
    boolean loginAllowed(InetAddress address) {
        int max = maxLoginsPerIpPerMinute;
        return max <= 0 || loginsPerIp.get(AddressKey.of(address), a -> new AtomicInteger()).incrementAndGet() <= max;
    }
}
