package io.github.mailproxy.internal;

import java.lang.reflect.InvocationTargetException;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Finds a TLS provider by name and makes the contexts the server makes itself from it. Conscrypt is
 * found without being installed in the JVM and without core depending on it: when no installed
 * provider has the name, {@code org.conscrypt.Conscrypt.newProvider()} is looked up reflectively, so
 * its jar on the class path (or its module, {@code org.conscrypt}, on the module path) is enough.
 */
public final class TlsProviders {

    /** The name Conscrypt's provider goes by. */
    public static final String CONSCRYPT = "Conscrypt";

    private TlsProviders() {
    }

    /**
     * @param name a security provider's name, as {@link Provider#getName()} says it (case-insensitive)
     * @return the provider: an installed one, or Conscrypt from the class path
     * @throws IllegalArgumentException if there is none by that name, naming the installed ones
     */
    public static Provider byName(String name) {
        Provider installed = Arrays.stream(Security.getProviders())
                .filter(p -> p.getName().equalsIgnoreCase(name)).findFirst().orElse(null);
        if (installed != null) {
            return installed;
        }
        if (name.equalsIgnoreCase(CONSCRYPT)) {
            return conscrypt();
        }
        throw new IllegalArgumentException("tlsProvider: no security provider named " + name + " (installed: "
                + Arrays.stream(Security.getProviders()).filter(TlsProviders::offersTls).map(Provider::getName)
                        .collect(Collectors.joining(", ")) + "; Conscrypt when its jar is on the class path)");
    }

    /** @return whether the provider has an {@code SSLContext} for {@code TLS} */
    public static boolean offersTls(Provider provider) {
        return provider.getService("SSLContext", "TLS") != null;
    }

    /**
     * @param provider a TLS provider, or null for the JVM's default
     * @param trust    trust managers, or null for the provider's defaults (the JVM's CA certificates)
     * @return a context for connections this server makes, holding no key of its own
     * @throws IllegalStateException if the provider cannot make one
     */
    public static SSLContext clientContext(Provider provider, TrustManager[] trust) {
        try {
            if (provider == null && trust == null) {
                return SSLContext.getDefault();
            }
            SSLContext context = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
            context.init(null, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for backends with "
                    + (provider == null ? "the JVM's default provider" : provider.getName()), e);
        }
    }

    private static Provider conscrypt() {
        try {
            Class<?> conscrypt = Class.forName("org.conscrypt.Conscrypt");
            return (Provider) conscrypt.getMethod("newProvider").invoke(null);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("tlsProvider: Conscrypt is not on the class path "
                    + "(org.conscrypt:conscrypt-openjdk-uber)", e);
        } catch (InvocationTargetException e) {
            // its native library does not load on this platform
            throw new IllegalArgumentException("tlsProvider: Conscrypt cannot start here: " + e.getCause(), e);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException("tlsProvider: Conscrypt cannot start here: " + e, e);
        }
    }
}
