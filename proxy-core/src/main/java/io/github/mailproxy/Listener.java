package io.github.mailproxy;

import io.github.mailproxy.spi.Protocol;
import java.net.InetSocketAddress;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * One listening socket of a {@link ProxyServer}: which protocol it speaks, where it binds and how it
 * uses TLS. Protocol modules offer factories, for example {@code ImapProtocol.plain(address)}.
 *
 * @param protocol   the protocol spoken on this socket
 * @param address    the address to bind; port 0 binds an ephemeral port
 * @param tlsMode    plain, STARTTLS-capable or implicit TLS
 * @param sslContext key material for TLS; required unless {@code tlsMode} is {@link TlsMode#PLAIN}
 */
public record Listener(Protocol protocol, InetSocketAddress address, TlsMode tlsMode, SSLContext sslContext) {

    /** Checks that TLS modes other than plain carry an {@link SSLContext}. */
    public Listener {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tlsMode, "tlsMode");
        if (tlsMode != TlsMode.PLAIN && sslContext == null) {
            throw new IllegalArgumentException("listen: TLS mode " + tlsMode + " needs an SSLContext");
        }
    }
}
