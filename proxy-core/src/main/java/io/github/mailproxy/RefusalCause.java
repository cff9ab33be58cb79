package io.github.mailproxy;

/**
 * Why the server refused a connection or a login before serving it, as given to
 * {@link SessionListener#connectionRefused}. Refusals come by the thousand under attack: the server
 * summarises them in its log, and a listener should only count them.
 */
public enum RefusalCause {
    /** The connection went over {@link ProxyServer.Builder#maxConnections(int)}: told to come back later. */
    MAX_CONNECTIONS,
    /** The connection went over {@link ProxyServer.Builder#maxConnectionsPerIp(int)}: told to come back later. */
    MAX_CONNECTIONS_PER_IP,
    /** A login went over {@link ProxyServer.Builder#maxLoginsPerIpPerMinute(int)}: a temporary failure. */
    MAX_LOGINS_PER_IP,
    /** The PassDb's thread pool and queue were full: the login got a temporary failure. */
    PASSDB_BUSY,
    /** Accepting a connection failed (out of file descriptors, ...): the listener pauses a while. */
    ACCEPT_FAILED,
    /** A PROXY protocol header came from a peer that is not trusted to send one. */
    HAPROXY_UNTRUSTED,
    /** A PROXY protocol header was malformed or did not come in time. */
    HAPROXY_BAD_HEADER
}
