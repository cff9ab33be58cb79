package io.github.mailproxy;

import io.github.mailproxy.spi.Protocol;
import java.net.InetSocketAddress;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * One listening socket of a {@link ProxyServer}: which protocol it speaks, where it binds and how it
 * uses TLS. Protocol modules offer factories, for example {@code ImapProtocol.plain(address)}.
 *
 * <p>A listener behind a load balancer that speaks HAProxy's PROXY protocol (version 1 or 2) is made
 * with {@link #withHaproxy()}: every connection to it must then start with a PROXY header, as with
 * Dovecot's {@code haproxy = yes} on an {@code inet_listener}, and come from
 * {@link ProxyServer.Builder#haproxyTrustedNetworks(String...)}.
 *
 * <pre>{@code
 * .listen(ImapProtocol.implicitTls(new InetSocketAddress(993), context).withHaproxy())
 * .haproxyTrustedNetworks("10.0.0.10", "10.0.0.11")
 * }</pre>
 *
 * @param protocol   the protocol spoken on this socket
 * @param address    the address to bind; port 0 binds an ephemeral port
 * @param tlsMode    plain, STARTTLS-capable or implicit TLS
 * @param sslContext key material for TLS; required unless {@code tlsMode} is {@link TlsMode#PLAIN}
 * @param haproxy    whether every connection starts with a PROXY protocol header (before any TLS),
 *                   whose client address then stands for the connection's
 */
public record Listener(Protocol protocol, InetSocketAddress address, TlsMode tlsMode, SSLContext sslContext,
                       boolean haproxy) {

    /** Checks that TLS modes other than plain carry an {@link SSLContext}. */
    public Listener {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tlsMode, "tlsMode");
        if (tlsMode != TlsMode.PLAIN && sslContext == null) {
            throw new IllegalArgumentException("listen: TLS mode " + tlsMode + " needs an SSLContext");
        }
    }

    /**
     * A listener whose clients connect directly, without a PROXY protocol header.
     *
     * @param protocol   the protocol spoken on this socket
     * @param address    the address to bind
     * @param tlsMode    plain, STARTTLS-capable or implicit TLS
     * @param sslContext key material for TLS, or {@code null} when plain
     */
    public Listener(Protocol protocol, InetSocketAddress address, TlsMode tlsMode, SSLContext sslContext) {
        this(protocol, address, tlsMode, sslContext, false);
    }

    /**
     * The same listener behind a load balancer that sends HAProxy's PROXY protocol header, version 1
     * or 2, first on every connection (HAProxy's {@code send-proxy} or {@code send-proxy-v2}). The
     * header's client address is then the client's everywhere: logs, limits, penalties, PassDb
     * variables and what is forwarded to the backend.
     *
     * @return a listener equal to this one but for {@link #haproxy()}
     */
    public Listener withHaproxy() {
        return new Listener(protocol, address, tlsMode, sslContext, true);
    }
}
