package io.github.mailproxy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where to connect for a proxied session.
 *
 * @param hosts          host names or addresses, tried in order until one accepts the connection
 * @param port           the port, or 0 for the protocol's default (143 for IMAP, 110 for POP3)
 * @param tls            how to use TLS to the backend ({@link TlsMode#PLAIN} for none)
 * @param connectTimeout how long one connection attempt may take, or {@code null} for the server's default
 * @param anyCert        accept any certificate the backend's TLS presents, as Dovecot's
 *                       {@code ssl=any-cert}; otherwise it must be trusted and match the host's name
 * @param forwardClient  tell the backend the client's address when it offers a way (IMAP {@code ID},
 *                       POP3 {@code XCLIENT}), as Dovecot's proxy does unless the PassDb says
 *                       {@code proxy_not_trusted}; the server setting {@code backendTrusted(false)}
 *                       turns it off for every target
 * @param names          empty, or one name per host: the name host {@code i}'s TLS certificate is
 *                       verified against and logs call it by, when {@code hosts} holds the addresses
 *                       to connect to (Dovecot's {@code host} beside {@code hostip}); empty means the
 *                       hosts are their own names
 * @param sourceAddress  the local address to connect from (Dovecot's {@code source_ip}), or {@code null}
 *                       for the operating system's choice
 * @param haproxy        whether to send a PROXY protocol v2 header first, instead of the {@code ID} or
 *                       {@code XCLIENT} address forwarding; {@code null} for the server's
 *                       {@link ProxyServer.Builder#backendHaproxy(boolean)}
 */
public record BackendTarget(List<String> hosts, int port, TlsMode tls, Duration connectTimeout, boolean anyCert,
                            boolean forwardClient, List<String> names, InetAddress sourceAddress, Boolean haproxy) {

    /**
     * A target whose hosts are their own names, connected from any local address, with the server's
     * PROXY protocol setting.
     *
     * @param hosts          hosts in order of preference
     * @param port           the port, or 0 for the protocol's default
     * @param tls            TLS to the backend
     * @param connectTimeout connect timeout, or {@code null} for the server's default
     * @param anyCert        accept any certificate
     * @param forwardClient  tell the backend the client's address when it offers a way
     */
    public BackendTarget(List<String> hosts, int port, TlsMode tls, Duration connectTimeout, boolean anyCert,
                         boolean forwardClient) {
        this(hosts, port, tls, connectTimeout, anyCert, forwardClient, List.of(), null, null);
    }

    /**
     * A target told the client's address when it offers a way.
     *
     * @param hosts          hosts in order of preference
     * @param port           the port, or 0 for the protocol's default
     * @param tls            TLS to the backend
     * @param connectTimeout connect timeout, or {@code null} for the server's default
     * @param anyCert        accept any certificate
     */
    public BackendTarget(List<String> hosts, int port, TlsMode tls, Duration connectTimeout, boolean anyCert) {
        this(hosts, port, tls, connectTimeout, anyCert, true);
    }

    /**
     * A target whose TLS certificate, if any, is verified.
     *
     * @param hosts          hosts in order of preference
     * @param port           the port, or 0 for the protocol's default
     * @param tls            TLS to the backend
     * @param connectTimeout connect timeout, or {@code null} for the server's default
     */
    public BackendTarget(List<String> hosts, int port, TlsMode tls, Duration connectTimeout) {
        this(hosts, port, tls, connectTimeout, false);
    }

    /** Checks and copies the components. */
    public BackendTarget {
        hosts = List.copyOf(Objects.requireNonNull(hosts, "hosts"));
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("hosts: at least one backend host is needed");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: out of range: " + port);
        }
        Objects.requireNonNull(tls, "tls");
        names = List.copyOf(Objects.requireNonNull(names, "names"));
        if (!names.isEmpty() && names.size() != hosts.size()) {
            throw new IllegalArgumentException("names: one per host or none: " + names.size() + " names for "
                    + hosts.size() + " hosts");
        }
    }

    /**
     * @param index a host's index
     * @return the name of that host: for certificate verification and logs
     */
    public String name(int index) {
        return names.isEmpty() ? hosts.get(index) : names.get(index);
    }

    /**
     * @param defaultPort the protocol's port, used when this target names none
     * @return the hosts' names and the port, for a log line, such as {@code imap1,imap2:143}
     */
    public String logName(int defaultPort) {
        return String.join(",", names.isEmpty() ? hosts : names) + ":" + (port > 0 ? port : defaultPort);
    }

    /**
     * @param send whether to send the PROXY protocol v2 header; when so, the client's address is
     *             not forwarded otherwise ({@link #forwardClient()} turns false)
     * @return a copy with {@link #haproxy()} decided
     */
    public BackendTarget withHaproxy(boolean send) {
        return new BackendTarget(hosts, port, tls, connectTimeout, anyCert, forwardClient && !send, names,
                sourceAddress, send);
    }
}
