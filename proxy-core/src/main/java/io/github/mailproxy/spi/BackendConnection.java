package io.github.mailproxy.spi;

import java.net.InetSocketAddress;

/**
 * A connection to a backend, during the backend login. Methods must be called on the session's
 * event loop.
 */
public interface BackendConnection {

    /** @return the backend's address */
    InetSocketAddress remoteAddress();

    /** @return the local address of this connection */
    InetSocketAddress localAddress();

    /**
     * Queues bytes for the backend; they are sent in order, as fast as the backend takes them.
     *
     * @param bytes the bytes; the array is not kept
     */
    void write(byte[] bytes);

    /**
     * Queues text for the backend, encoded as UTF-8.
     *
     * @param text the text, with its own line ends
     */
    void write(String text);

    /**
     * Upgrades the connection to TLS after the backend agreed to STARTTLS (IMAP) or STLS (POP3).
     * Call it from {@link BackendHandler#onInput} right after consuming the backend's go-ahead, and
     * return; input the backend sent after it is discarded. {@link BackendHandler#onSecured()}
     * follows when the handshake is done; a failed handshake ends in {@link BackendHandler#onClosed()}.
     */
    void startTls();

    /** Closes the connection; the handler gets no further calls. */
    void close();

    /**
     * Names a backend for a log line: its address as {@code ip:port} ({@code [ip]:port} for IPv6),
     * or what the target said while no address is known.
     *
     * @param address  the backend's address, or {@code null}
     * @param fallback what to say without an address, such as the target's hosts and port
     * @return the name
     */
    static String logName(java.net.InetSocketAddress address, String fallback) {
        if (address == null || address.getAddress() == null) {
            return fallback;
        }
        String ip = address.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
