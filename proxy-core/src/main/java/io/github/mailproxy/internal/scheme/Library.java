package io.github.mailproxy.internal.scheme;

/**
 * A jar that some password schemes need and that proxy-core declares optional, so that an application
 * whose passwords use none of those schemes does not carry it (Bouncy Castle alone is about 8 MB).
 * Whether it is there is found out once, by loading one of its classes without initialising it.
 *
 * <p>On the module path a {@code requires static} module is not resolved by itself: an application that
 * has the jar as a module adds {@code --add-modules org.bouncycastle.provider} (or
 * {@code org.apache.commons.codec}), or requires it from its own module.
 */
enum Library {

    /** Bouncy Castle's provider jar: BLF-CRYPT (bcrypt), ARGON2I, ARGON2ID. */
    BOUNCY_CASTLE("org.bouncycastle:bcprov-jdk18on", "org.bouncycastle.crypto.generators.Argon2BytesGenerator"),
    /** Apache commons-codec: CRYPT (DES), MD5-CRYPT, SHA256-CRYPT, SHA512-CRYPT. */
    COMMONS_CODEC("commons-codec:commons-codec", "org.apache.commons.codec.digest.Sha2Crypt");

    private final String coordinates;
    private final String probeClass;
    private final boolean present;

    Library(String coordinates, String probeClass) {
        this.coordinates = coordinates;
        this.probeClass = probeClass;
        this.present = isPresent(probeClass, Library.class.getClassLoader());
    }

    /**
     * @param className a class of the jar
     * @param loader    the loader to look in
     * @return whether the loader sees the class; it is not initialised
     */
    static boolean isPresent(String className, ClassLoader loader) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** @return the jar's Maven coordinates, {@code groupId:artifactId} */
    String coordinates() {
        return coordinates;
    }

    /** @return whether the jar is on the class path (or its module resolved) */
    boolean isPresent() {
        return present;
    }

    /**
     * @param loader a class loader
     * @return whether that loader sees the jar
     */
    boolean isPresentIn(ClassLoader loader) {
        return isPresent(probeClass, loader);
    }

    /**
     * @param scheme the scheme that needs the jar, as Dovecot names it
     * @return the sentence logged when it is missing, e.g.
     *         {@code ARGON2ID needs org.bouncycastle:bcprov-jdk18on on the class path}
     */
    String missingMessage(String scheme) {
        return scheme + " needs " + coordinates + " on the class path";
    }

    /**
     * @param scheme the scheme about to use the jar
     * @throws MissingLibraryException if the jar is not there
     */
    void require(String scheme) {
        if (!present) {
            throw new MissingLibraryException(this, scheme);
        }
    }
}
