package io.github.mailproxy.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A keystore file (PKCS12 or JKS, told apart by its content) with the password of the store and of
 * its keys, and the names its keys are given. Reads it whole, so that what is hashed is what is
 * parsed: a file replaced while it is read shows up at the next check.
 */
public final class KeyStoreFile {

    /** Why a keystore file cannot be used; the message names the file and never the password. */
    public static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One reading of the file.
     *
     * @param sha256  the hash of the bytes read
     * @param entries its key entries, in alias order
     */
    public record Contents(byte[] sha256, List<CertificateSet.Entry> entries) {
    }

    private final Path path;
    private final char[] password;
    private final List<String> names;
    private final boolean isDefault;

    /**
     * @param path      the file
     * @param password  the store's and its keys' password; copied
     * @param names     names its keys are served for, besides those of their certificates
     * @param isDefault whether its keys are served to clients that name no known server
     */
    public KeyStoreFile(Path path, char[] password, List<String> names, boolean isDefault) {
        this.path = Objects.requireNonNull(path, "path");
        this.password = Objects.requireNonNull(password, "password").clone();
        this.names = List.copyOf(names);
        this.isDefault = isDefault;
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /**
     * @return the SHA-256 of the file's bytes now
     * @throws Unusable if it cannot be read
     */
    public byte[] hash() throws Unusable {
        return sha256(read());
    }

    /**
     * Reads and parses the file.
     *
     * @return its keys
     * @throws Unusable if it cannot be read, is no keystore, has a wrong password or holds no key
     */
    public Contents load() throws Unusable {
        byte[] bytes = read();
        KeyStore store;
        try {
            // "PKCS12" reads JKS files as well (the JDK's keystore.type.compat)
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new Unusable(path + ": wrong password", e);
            }
            throw new Unusable(path + ": not a PKCS12 or JKS keystore, or a wrong password", e);
        } catch (GeneralSecurityException e) {
            throw new Unusable(path + ": not a usable keystore (" + e.getClass().getSimpleName() + ")", e);
        }
        List<CertificateSet.Entry> entries = new ArrayList<>();
        try {
            List<String> aliases = Collections.list(store.aliases());
            Collections.sort(aliases);
            for (String alias : aliases) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key = store.getKey(alias, password);
                Certificate[] chain = store.getCertificateChain(alias);
                if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0
                        || !(chain[0] instanceof X509Certificate)) {
                    continue;  // a secret key, or a key without a certificate: nothing a server can serve
                }
                X509Certificate[] x509 = Arrays.copyOf(chain, chain.length, X509Certificate[].class);
                entries.add(CertificateSet.Entry.of(path + " alias " + alias, privateKey, x509, names, isDefault));
            }
        } catch (UnrecoverableKeyException e) {
            throw new Unusable(path + ": wrong password for a key", e);
        } catch (GeneralSecurityException | ArrayStoreException e) {
            throw new Unusable(path + ": a key cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        if (entries.isEmpty()) {
            throw new Unusable(path + ": holds no private key with an X.509 certificate", null);
        }
        return new Contents(sha256(bytes), entries);
    }

    private byte[] read() throws Unusable {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new Unusable(path + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new Unusable(path + ": file cannot be read (permission denied)", e);
        } catch (IOException e) {
            throw new Unusable(path + ": file cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The file and names, never the password. */
    @Override
    public String toString() {
        return "KeyStoreFile[" + path + (names.isEmpty() ? "" : ", names " + names) + (isDefault ? ", default" : "")
                + "]";
    }
}
