package io.github.mailproxy.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server-side key manager that chooses the key by the server name the client sent (SNI), from a
 * {@link CertificateSet} that can be replaced while handshakes go on. It follows only the
 * {@code X509ExtendedKeyManager} contract, so that any TLS provider can use it: the name comes
 * from the handshake session ({@link SSLEngine#getHandshakeSession()}, an
 * {@link ExtendedSSLSession}), which the JDK's provider and Conscrypt both offer while they ask
 * for the key.
 *
 * <p>An alias is {@code generation:index}. A TLS stack asks for the alias, then for the key and
 * the chain by it; a set replaced in between is still found by its generation (the one before the
 * current is kept), so a handshake never gets one set's certificate with another set's key.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {

    private volatile CertificateSet current;
    private volatile CertificateSet previous;

    /**
     * @param initial the keys to serve
     */
    public SniKeyManager(CertificateSet initial) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.previous = initial;
    }

    /**
     * Serves another set from the next handshake on; sessions already made keep theirs.
     *
     * @param next the new keys; its generation must differ from the current one's
     */
    public synchronized void replace(CertificateSet next) {
        if (next.generation() == current.generation()) {
            throw new IllegalArgumentException("generation " + next.generation() + " is already served");
        }
        previous = current;
        current = next;
    }

    /** @return the keys served now */
    public CertificateSet current() {
        return current;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket s ? s.getHandshakeSession() : null);
    }

    private String choose(String keyType, SSLSession handshake) {
        CertificateSet set = current;
        int index = set.choose(serverName(handshake), keyType);
        return index < 0 ? null : set.generation() + ":" + index;
    }

    /** @return the host name the client asked for, or {@code null} when it sent none */
    static String serverName(SSLSession handshake) {
        if (handshake instanceof ExtendedSSLSession extended) {
            List<SNIServerName> names;
            try {
                names = extended.getRequestedServerNames();
            } catch (UnsupportedOperationException e) {
                return null;
            }
            for (SNIServerName name : names) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
                if (name.getType() == 0) {  // host_name, from a provider that does not make SNIHostName
                    return new SNIHostName(name.getEncoded()).getAsciiName();
                }
            }
        }
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        CertificateSet set = current;
        List<String> aliases = new ArrayList<>();
        for (int i = 0; i < set.entries().size(); i++) {
            if (CertificateSet.keyTypeFits(set.entries().get(i).key(), keyType)) {
                aliases.add(set.generation() + ":" + i);
            }
        }
        return aliases.isEmpty() ? null : aliases.toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertificateSet.Entry entry = entry(alias);
        return entry == null ? null : entry.chain();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertificateSet.Entry entry = entry(alias);
        return entry == null ? null : entry.key();
    }

    private CertificateSet.Entry entry(String alias) {
        if (alias == null) {
            return null;
        }
        int colon = alias.indexOf(':');
        long generation;
        int index;
        try {
            generation = Long.parseLong(alias.substring(0, Math.max(colon, 0)));
            index = Integer.parseInt(alias.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        for (CertificateSet set : new CertificateSet[] {current, previous}) {
            if (set.generation() == generation && index >= 0 && index < set.entries().size()) {
                return set.entries().get(index);
            }
        }
        return null;
    }

    /** A server never authenticates as a client. */
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    /** A server never authenticates as a client. */
    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    /** A server never authenticates as a client. */
    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    /** Names the number of keys, never key material. */
    @Override
    public String toString() {
        return "SniKeyManager[generation " + current.generation() + ", " + current.entries().size() + " keys]";
    }
}
