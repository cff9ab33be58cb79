package io.github.mailproxy.internal;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One generation of server keys, and which of them a client's server name (SNI) chooses. Immutable;
 * {@link SniKeyManager} swaps a whole set when a keystore is reloaded.
 *
 * <p>A name chooses, in this order: the entries given that exact name, the entries whose
 * certificate lists it as a DNS subject alternative name, the entries given a wildcard
 * ({@code *.example.com}, one label) that covers it, and the entries whose certificate has such a
 * wildcard. Names compare without regard to case and to a trailing dot. A name that nothing covers,
 * and a client that sends no name, get the default entries.
 *
 * @param generation counts the sets a key manager has had; part of every alias, so that a key asked
 *                   for by alias after a reload still comes from the set that chose it
 * @param entries    every key, in the order keystores were given, each keystore's in alias order
 */
public record CertificateSet(long generation, List<Entry> entries) {

    /**
     * One private key and its certificate chain.
     *
     * @param source           where it came from, for logs: the file and its alias in it
     * @param key              the private key
     * @param chain            the certificate chain, the server's own first
     * @param names            names given for it by configuration, maybe with a leading {@code *.}
     * @param certificateNames the DNS names among its certificate's subject alternative names
     * @param isDefault        served to clients that send no name or one that no entry covers
     */
    public record Entry(String source, PrivateKey key, X509Certificate[] chain, List<String> names,
                        List<String> certificateNames, boolean isDefault) {

        /** Checks that there is a key and a certificate; names are kept normalised. */
        public Entry {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(key, "key");
            if (chain == null || chain.length == 0) {
                throw new IllegalArgumentException("no certificate chain for " + source);
            }
            chain = chain.clone();
            names = names.stream().map(CertificateSet::normalise).toList();
            certificateNames = certificateNames.stream().map(CertificateSet::normalise).toList();
        }

        /**
         * @param source    where it came from, for logs
         * @param key       the private key
         * @param chain     the certificate chain, the server's own first
         * @param names     names given for it by configuration
         * @param isDefault whether it is a default entry
         * @return the entry, with the DNS names of its certificate read once
         */
        public static Entry of(String source, PrivateKey key, X509Certificate[] chain, List<String> names,
                               boolean isDefault) {
            return new Entry(source, key, chain, names, dnsNames(chain), isDefault);
        }

        /** @return the certificate chain, a copy */
        @Override
        public X509Certificate[] chain() {
            return chain.clone();
        }

        /** Only the source: never key material. */
        @Override
        public String toString() {
            return "Entry[" + source + "]";
        }
    }

    private static List<String> dnsNames(X509Certificate[] chain) {
        List<String> dns = new ArrayList<>();
        try {
            var sans = chain == null || chain.length == 0 ? null : chain[0].getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String name) {
                        dns.add(name);
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            // a certificate whose SAN extension cannot be read is chosen by configured names only
        }
        return dns;
    }

    /** Copies the list. */
    public CertificateSet {
        entries = List.copyOf(entries);
    }

    /**
     * @param serverName the name the client asked for, or {@code null} when it sent none
     * @param keyType    the key algorithm the TLS stack asks for ({@code RSA}, {@code EC}, ...)
     * @return the index of the entry to serve, or -1 when none of the chosen entries has such a key
     *         (the TLS stack then asks for another key type)
     */
    public int choose(String serverName, String keyType) {
        if (serverName != null) {
            String name = normalise(serverName);
            List<Integer> chosen = firstNonEmpty(
                    matching(e -> e.names().contains(name)),
                    matching(e -> e.certificateNames().contains(name)),
                    matching(e -> e.names().stream().anyMatch(n -> wildcardCovers(n, name))),
                    matching(e -> e.certificateNames().stream().anyMatch(n -> wildcardCovers(n, name))));
            if (!chosen.isEmpty()) {
                return ofKeyType(chosen, keyType);
            }
        }
        return ofKeyType(matching(Entry::isDefault), keyType);
    }

    private List<Integer> matching(java.util.function.Predicate<Entry> test) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (test.test(entries.get(i))) {
                found.add(i);
            }
        }
        return found;
    }

    @SafeVarargs
    private static List<Integer> firstNonEmpty(List<Integer>... candidates) {
        for (List<Integer> c : candidates) {
            if (!c.isEmpty()) {
                return c;
            }
        }
        return List.of();
    }

    private int ofKeyType(List<Integer> candidates, String keyType) {
        for (int i : candidates) {
            if (keyTypeFits(entries.get(i).key(), keyType)) {
                return i;
            }
        }
        return -1;
    }

    /** {@code EC_RSA} style key types (an EC key certified by RSA) name the key's algorithm first. */
    static boolean keyTypeFits(PrivateKey key, String keyType) {
        if (keyType == null) {
            return true;
        }
        String algorithm = keyType.split("_", 2)[0];
        return key.getAlgorithm().equalsIgnoreCase(algorithm);
    }

    /**
     * @param pattern a name, maybe {@code *.example.com}
     * @param name    a host name, normalised
     * @return whether the pattern is a wildcard that covers exactly one label in front of its domain
     */
    static boolean wildcardCovers(String pattern, String name) {
        if (!pattern.startsWith("*.")) {
            return false;
        }
        String domain = pattern.substring(1);  // ".example.com"
        if (!name.endsWith(domain)) {
            return false;
        }
        String label = name.substring(0, name.length() - domain.length());
        return !label.isEmpty() && label.indexOf('.') < 0;
    }

    /**
     * @param name a host name or pattern
     * @return it in lower case, without a trailing dot
     */
    public static String normalise(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
