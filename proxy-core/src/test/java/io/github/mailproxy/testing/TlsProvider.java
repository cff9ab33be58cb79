package io.github.mailproxy.testing;

import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.conscrypt.Conscrypt;

/**
 * The TLS providers every TLS conversation test runs with: the JDK's own (SunJSSE) and Conscrypt
 * (BoringSSL). Use as the source of a parameterized test or class:
 *
 * <pre>{@code
 * @ParameterizedClass
 * @EnumSource(TlsProvider.class)
 * class SomeTlsTest {
 *     @Parameter TlsProvider tls;
 *     ... ImapProtocol.implicitTls(address, tls.serverContext()) ... .tlsProvider(tls.provider())
 * }
 * }</pre>
 *
 * The contexts hold the test certificate of {@link TestTls}; the client side of a test may stay on
 * the JDK ({@link TestTls#clientContext()}).
 */
public enum TlsProvider {

    /** The JDK's provider, SunJSSE. */
    JDK {
        @Override
        public Provider provider() {
            return Security.getProvider("SunJSSE");
        }
    },

    /** Conscrypt, BoringSSL behind the {@code SSLEngine} API; not installed in the JVM, only used by name. */
    CONSCRYPT {
        @Override
        public Provider provider() {
            return Holder.CONSCRYPT;
        }
    };

    /** @return the provider's {@code java.security.Provider}, for {@code ProxyServer.Builder.tlsProvider} */
    public abstract Provider provider();

    /** @return a server-side context of this provider with the test certificate */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(TestTls.keyStore(), TestTls.PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS", provider());
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return a client-side context of this provider that trusts the test certificate */
    public SSLContext clientContext() {
        try {
            KeyStore trusted = TestTls.keyStore();
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS", provider());
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Made on first use, so that a JDK-only run never loads Conscrypt's native library. */
    private static final class Holder {
        static final Provider CONSCRYPT = Conscrypt.newProvider();
    }
}
