package io.github.mailproxy.testing;

import java.io.InputStream;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS material for tests: a self-signed certificate for {@code localhost} and {@code 127.0.0.1}
 * (keystore {@code mailproxy-test.p12}, password {@code changeit}), as a server context and as a
 * client context that trusts exactly that certificate.
 */
public final class TestTls {

    /** Password of the test keystore. */
    public static final String PASSWORD = "changeit";

    private TestTls() {
    }

    /** @return the test keystore */
    public static KeyStore keyStore() {
        try (InputStream in = TestTls.class.getResourceAsStream("/mailproxy-test.p12")) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            return ks;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the test keystore", e);
        }
    }

    /** @return a server-side context with the test certificate */
    public static SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(), PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return a client-side context that trusts the test certificate */
    public static SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(keyStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
