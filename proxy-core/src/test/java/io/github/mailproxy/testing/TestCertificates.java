package io.github.mailproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Keystores made at test time by the JDK's own {@code keytool}: self-signed certificates with the
 * subject and DNS subject alternative names a test asks for, and a client that connects with a
 * server name (SNI) and tells which certificate it got.
 *
 * <pre>{@code
 * Path store = TestCertificates.keyStore(dir.resolve("a.p12"), "pw-store",
 *         TestCertificates.entry("a", "CN=a", "imap.a.test", "*.a.test"));
 * String subject = TestCertificates.subjectFor(proxyAddress, "imap.a.test");   // "CN=a"
 * }</pre>
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /**
     * One key entry to make.
     *
     * @param alias    its alias
     * @param subject  its X.500 subject, e.g. {@code CN=a}
     * @param keyType  {@code EC} (P-256) or {@code RSA} (2048 bits)
     * @param dnsNames DNS subject alternative names; none for a certificate without the extension
     */
    public record Entry(String alias, String subject, String keyType, List<String> dnsNames) {
    }

    /**
     * @param alias    its alias
     * @param subject  its subject
     * @param dnsNames its DNS names
     * @return an EC entry
     */
    public static Entry entry(String alias, String subject, String... dnsNames) {
        return new Entry(alias, subject, "EC", List.of(dnsNames));
    }

    /**
     * Makes a PKCS12 keystore, written elsewhere and moved into place at once, as an operator should
     * replace a keystore that a running server reads.
     *
     * @param file     where it goes; replaced if it exists
     * @param password the store's and the keys' password
     * @param entries  its key entries
     * @return {@code file}
     */
    public static Path keyStore(Path file, String password, Entry... entries) {
        try {
            Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), "keystore", ".tmp");
            Files.delete(temp);  // keytool makes a new store only where there is no file
            for (Entry e : entries) {
                List<String> command = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-keystore", temp.toString(), "-storetype", "PKCS12", "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
                        "-storepass", password, "-keypass", password, "-alias", e.alias(), "-dname", e.subject(),
                        "-validity", "2", "-keyalg", e.keyType()));
                command.addAll(e.keyType().equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
                if (!e.dnsNames().isEmpty()) {
                    command.add("-ext");
                    command.add("SAN=" + String.join(",", e.dnsNames().stream().map(n -> "dns:" + n).toList()));
                }
                run(command);
            }
            return Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make keystore " + file, e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream out = p.getInputStream()) {
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + text);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** @return a client context that accepts any server certificate: the tests look at which one came */
    public static SSLContext anyCertClient() {
        return anyCertClient(chain -> { });
    }

    /**
     * @param seen told each server certificate chain the context accepts
     * @return a client context that accepts any server certificate
     */
    public static SSLContext anyCertClient(java.util.function.Consumer<X509Certificate[]> seen) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    seen.accept(chain);
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens a TLS connection from a fresh client context (so no session is resumed), asking for
     * {@code serverName}, and completes the handshake.
     *
     * @param address    the server
     * @param serverName the SNI host name, or {@code null} to send none
     * @return the connected socket; the caller closes it
     * @throws IOException if the connection or the handshake fails
     */
    public static SSLSocket connect(InetSocketAddress address, String serverName) throws IOException {
        Socket plain = new Socket();
        plain.connect(address, 10_000);
        plain.setSoTimeout(10_000);
        SSLSocket tls = (SSLSocket) anyCertClient().getSocketFactory()
                .createSocket(plain, address.getHostString(), address.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        tls.setUseClientMode(true);
        tls.startHandshake();
        return tls;
    }

    /**
     * @param socket a connected TLS socket
     * @return the subject of the server's certificate, as {@code CN=a}
     * @throws IOException if the session has no peer certificate
     */
    public static String subject(SSLSocket socket) throws IOException {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    /**
     * @param address    the server
     * @param serverName the SNI host name, or {@code null}
     * @return the subject of the certificate the server presents for that name
     * @throws IOException if the connection or the handshake fails
     */
    public static String subjectFor(InetSocketAddress address, String serverName) throws IOException {
        try (SSLSocket socket = connect(address, serverName)) {
            return subject(socket);
        }
    }
}
