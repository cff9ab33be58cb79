package io.github.mailproxy.examples.launcher;

import java.net.InetSocketAddress;

/** Reads and writes the {@code host:port} form of the launcher's listen keys. */
final class ListenAddress {

    private ListenAddress() {
    }

    /**
     * @param key   the key, for the error message
     * @param value {@code host:port}, an IPv6 host in brackets ({@code [::1]:1143}); port 0 = ephemeral
     * @return the resolved address
     * @throws ConfigException naming the key if the value is not of that form or the host is unknown
     */
    static InetSocketAddress parse(String key, String value) {
        if (value.contains("#")) {
            // Properties files know comments only at the start of a line; the rest is the value.
            throw new ConfigException(key + ": a # comment must be on a line of its own, got '" + value + "'");
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigException(key + ": expected host:port (e.g. 127.0.0.1:1143), got '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException(key + ": write an IPv6 host in brackets (e.g. [::1]:1143), got '" + value + "'");
        }
        int port = port(key, value.substring(colon + 1), 0);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new ConfigException(key + ": unknown host '" + host + "'");
        }
        return address;
    }

    /**
     * @param key  the key, for the error message
     * @param text a port number
     * @param min  the lowest port allowed (0 where an ephemeral port makes sense)
     * @return the port
     * @throws ConfigException naming the key if it is not a port number
     */
    static int port(String key, String text, int min) {
        int port = -1;
        if (text.matches("[0-9]{1,5}")) {
            port = Integer.parseInt(text);
        }
        if (port < min || port > 65535) {
            throw new ConfigException(key + ": port must be a number from " + min + " to 65535, got '" + text + "'");
        }
        return port;
    }

    /**
     * @param address an address
     * @return it as {@code host:port}, the host as a literal IP address
     */
    static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
