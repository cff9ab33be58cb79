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
 * @param queuedReplyBytes bytes the proxy itself wrote (replies to clients before login, login
 *                         commands to backends) that are queued and not yet sent; each session's
 *                         share stays near {@link ProxyServer.Builder#maxPendingOutput(int)}
 */
public record ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                         int openBackendConnections, long authCacheHits, long authCacheMisses,
                         long queuedReplyBytes) {

    /**
     * The counters without {@code queuedReplyBytes} (taken as 0), as before it existed.
     *
     * @param openSessions           client sessions open now
     * @param totalSessions          client sessions accepted since start
     * @param buffersInUse           pooled buffers taken and not yet given back
     * @param buffersPooled          pooled buffers idle in the pool
     * @param openBackendConnections backend connections open now
     * @param authCacheHits          lookups answered by the auth cache
     * @param authCacheMisses        lookups that went to the PassDb through the auth cache
     */
    public ProxyStats(int openSessions, long totalSessions, int buffersInUse, int buffersPooled,
                      int openBackendConnections, long authCacheHits, long authCacheMisses) {
        this(openSessions, totalSessions, buffersInUse, buffersPooled, openBackendConnections, authCacheHits,
                authCacheMisses, 0);
    }
}
