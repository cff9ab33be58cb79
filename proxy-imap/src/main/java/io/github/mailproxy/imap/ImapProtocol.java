package io.github.mailproxy.imap;

import io.github.mailproxy.Listener;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.spi.BackendLogin;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.Protocol;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The IMAP protocol for {@link io.github.mailproxy.ProxyServer}: factories for listeners.
 *
 * <pre>{@code
 * ProxyServer.builder().listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
 * }</pre>
 */
public final class ImapProtocol implements Protocol {

    /** The protocol's name, as used by {@link io.github.mailproxy.ProxyServer#port(String)}. */
    public static final String NAME = "imap";

    private static final ImapProtocol INSTANCE = new ImapProtocol();

    private ImapProtocol() {
    }

    /** @return the protocol */
    public static ImapProtocol instance() {
        return INSTANCE;
    }

    /**
     * A listener without TLS.
     *
     * @param address where to listen; port 0 for an ephemeral port
     * @return the listener
     */
    public static Listener plain(InetSocketAddress address) {
        return new Listener(INSTANCE, address, TlsMode.PLAIN, null);
    }

    /**
     * A plaintext listener that offers the client an upgrade to TLS.
     *
     * @param address    where to listen
     * @param sslContext the server's key material
     * @return the listener
     */
    public static Listener starttls(InetSocketAddress address, SSLContext sslContext) {
        return new Listener(INSTANCE, address, TlsMode.STARTTLS, sslContext);
    }

    /**
     * A listener with TLS from the first byte (RFC 8314).
     *
     * @param address    where to listen
     * @param sslContext the server's key material
     * @return the listener
     */
    public static Listener implicitTls(InetSocketAddress address, SSLContext sslContext) {
        return new Listener(INSTANCE, address, TlsMode.IMPLICIT, sslContext);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int defaultBackendPort() {
        return 143;
    }

    @Override
    public ClientHandler newClientHandler(ClientSession session) {
        return new ImapClientHandler(session);
    }

    @Override
    public BackendLogin newBackendLogin(ClientSession session, BackendCredentials credentials, BackendTarget target,
                                        Consumer<BackendLoginResult> done) {
        return new ImapBackendLogin(session, credentials, target, done);
    }
}
