package io.github.mailproxy.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A self-signed RSA-2048 certificate for {@code localhost} and 127.0.0.1, made with the openssl
 * command for the run: PEM files for Dovecot and nginx, the same key and certificate as PKCS12 for
 * mailproxy.
 *
 * @param cert     the certificate, PEM
 * @param key      the private key, PEM
 * @param keystore both, PKCS12, password {@link #PASSWORD}
 */
record Certs(Path cert, Path key, Path keystore) {

    static final String PASSWORD = "changeit";

    /** Makes the files in {@code dir}. */
    static Certs make(Path dir) throws IOException, InterruptedException {
        Certs c = new Certs(dir.resolve("cert.pem"), dir.resolve("key.pem"), dir.resolve("keystore.p12"));
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", c.key.toString(), "-out", c.cert.toString()));
        run(List.of("openssl", "pkcs12", "-export", "-in", c.cert.toString(), "-inkey", c.key.toString(),
                "-out", c.keystore.toString(), "-passout", "pass:" + PASSWORD));
        // Dovecot's login processes read the key as root before dropping privileges; nginx's master too
        return c;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command.subList(0, 2)) + " failed: " + out);
        }
    }
}
