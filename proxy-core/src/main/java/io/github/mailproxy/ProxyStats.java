package io.github.mailproxy;

/**
 * Counters of a running {@link ProxyServer}, for monitoring and for tests that check nothing leaks.
 *
 * @param openSessions  client sessions open now
 * @param totalSessions client sessions accepted since start
 * @param buffersInUse  pooled buffers taken and not yet given back
 * @param buffersPooled pooled buffers idle in the pool
 * @param openBackendConnections backend connections open now
 * @param authCacheHits  lookups answered by the auth cache (0 without a cache)
 * @param authCacheMisses lookups that went to the PassDb through the auth cache (0 without a cache)
 */
public record ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                         int openBackendConnections, long authCacheHits, long authCacheMisses) {
}
