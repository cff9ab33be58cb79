package io.github.mailproxy.pop3;

import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.Listener;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.BackendLogin;
import io.github.mailproxy.spi.BackendLoginResult;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.Protocol;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The POP3 protocol for {@link io.github.mailproxy.ProxyServer}: factories for listeners.
 *
 * <p>Before login the proxy itself answers CAPA (RFC 2449), USER/PASS, AUTH PLAIN and AUTH LOGIN
 * (RFC 5034), STLS (RFC 2595) and QUIT. In master-user mode
 * ({@link io.github.mailproxy.AuthStrategy#masterUser}) it also runs AUTH CRAM-MD5, SCRAM-SHA-1 and
 * SCRAM-SHA-256, and APOP (RFC 1939; the greeting then carries a timestamp), checking them against
 * the PassDb's stored password, as far as the strategy offers them. Once the backend accepts the
 * login, the client gets the backend's own {@code +OK} line and from then on talks to the backend
 * byte for byte. Failures carry RFC 3206 response codes: {@code -ERR [AUTH]} for refused
 * credentials, {@code -ERR [SYS/TEMP]} when the PassDb or the backend is unavailable.
 *
 * <pre>{@code
 * ProxyServer.builder().listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
 * }</pre>
 */
public final class Pop3Protocol implements Protocol {

    /** The protocol's name, as used by {@link io.github.mailproxy.ProxyServer#port(String)}. */
    public static final String NAME = "pop3";

    private static final Pop3Protocol INSTANCE = new Pop3Protocol();

    private Pop3Protocol() {
    }

    /** @return the protocol */
    public static Pop3Protocol instance() {
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
        return 110;
    }

    @Override
    public ClientHandler newClientHandler(ClientSession session) {
        return new Pop3ClientHandler(session);
    }

    @Override
    public BackendLogin newBackendLogin(ClientSession session, BackendCredentials credentials, BackendTarget target,
                                        Consumer<BackendLoginResult> done) {
        return new Pop3BackendLogin(session, credentials, target, done);
    }
}
