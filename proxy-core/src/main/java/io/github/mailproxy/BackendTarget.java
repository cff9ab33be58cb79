package io.github.mailproxy;

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
 *                       {@code ssl=any-cert}; otherwise it must be trusted and match the host name
 * @param forwardClient  tell the backend the client's address when it offers a way (IMAP {@code ID},
 *                       POP3 {@code XCLIENT}), as Dovecot's proxy does unless the PassDb says
 *                       {@code proxy_not_trusted}; the server setting {@code backendTrusted(false)}
 *                       turns it off for every target
 */
public record BackendTarget(List<String> hosts, int port, TlsMode tls, Duration connectTimeout, boolean anyCert,
                            boolean forwardClient) {

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
    }
}
