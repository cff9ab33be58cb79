package io.github.mailproxy.internal;

import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Dovecot's {@code ssl=any-cert}: encrypt to the backend without checking its certificate. Only
 * for backends on a network the operator trusts, as the PassDb field says.
 */
final class AnyCertTrust extends X509ExtendedTrustManager {

    private AnyCertTrust() {
    }

    /** @return a context of the JVM's default provider that accepts any certificate */
    static SSLContext context() {
        return context(null);
    }

    /**
     * @param provider the TLS provider, or null for the JVM's default
     * @return a context that accepts any certificate
     */
    static SSLContext context(java.security.Provider provider) {
        return TlsProviders.clientContext(provider, new TrustManager[] {new AnyCertTrust()});
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
