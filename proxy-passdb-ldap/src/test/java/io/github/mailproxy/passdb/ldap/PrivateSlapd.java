package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.TestTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;

/**
 * A private OpenLDAP slapd (Debian's package) for interop tests: its own slapd.conf, mdb database,
 * pid and args files under a fresh temporary directory, listening on free loopback ports for
 * {@code ldap://} (StartTLS offered) and {@code ldaps://} with a certificate made for it,
 * loaded with an LDIF by {@code slapadd} before it starts, run in the foreground ({@code -d 0}) as a
 * child process and stopped by {@link #close()}. It never touches the system's slapd or port 389.
 *
 * <p>Schema: core, cosine, inetorgperson, nis and misc (Dovecot's documented {@code mailHost} is in
 * misc's {@code inetLocalMailRecipient}), plus an auxiliary class {@code mailproxyRoute} with a
 * {@code mailPort}. Access: {@code userPassword} only for binding, except that the service account
 * {@code cn=dovecot} may read it; everything else readable by all.
 */
final class PrivateSlapd implements AutoCloseable {

    static final Path SLAPD = Path.of("/usr/sbin/slapd");
    static final String SUFFIX = "dc=example,dc=org";
    static final String SERVICE_DN = "cn=dovecot," + SUFFIX;
    static final String SERVICE_PASSWORD = "secret-joe";
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Path dir;
    private final Process process;
    private final int port;
    private final int ldapsPort;

    private PrivateSlapd(Path dir, Process process, int port, int ldapsPort) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.ldapsPort = ldapsPort;
    }

    /**
     * @param ldif the entries under {@link #SUFFIX} (the suffix entry and the service account are added
     *             here)
     * @return the running server, answering binds
     */
    static PrivateSlapd start(String ldif) throws IOException, InterruptedException {
        if (!Files.isExecutable(SLAPD)) {
            throw new IllegalStateException("OpenLDAP is not installed: apt-get install slapd ldap-utils"
                    + " (.ci/run does this)");
        }
        Path dir = Files.createTempDirectory("mailproxy-slapd");
        Files.createDirectories(dir.resolve("data"));
        writeTlsFiles(dir);
        Files.writeString(dir.resolve("slapd.conf"), config(dir));
        Files.writeString(dir.resolve("data.ldif"), "dn: " + SUFFIX + "\nobjectClass: dcObject\nobjectClass: organization\n"
                + "dc: example\no: Example\n\n" + "dn: " + SERVICE_DN + "\nobjectClass: organizationalRole\n"
                + "objectClass: simpleSecurityObject\ncn: dovecot\nuserPassword: " + SERVICE_PASSWORD + "\n\n" + ldif);
        run(dir, "/usr/sbin/slapadd", "-q", "-f", dir.resolve("slapd.conf").toString(), "-l",
                dir.resolve("data.ldif").toString());
        int port = freePort();
        int ldapsPort = freePort();
        Process process = new ProcessBuilder(SLAPD.toString(), "-d", "0", "-f", dir.resolve("slapd.conf").toString(),
                "-h", "ldap://127.0.0.1:" + port + "/ ldaps://127.0.0.1:" + ldapsPort + "/")
                .redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        PrivateSlapd slapd = new PrivateSlapd(dir, process, port, ldapsPort);
        try {
            Await.until(() -> "slapd answering a bind on port " + port + "; log: " + slapd.log(), START_DEADLINE,
                    () -> process.isAlive() && slapd.answers());
            if (!process.isAlive()) {
                throw new IllegalStateException("slapd ended; log: " + slapd.log());
            }
        } catch (RuntimeException | Error e) {
            slapd.close();
            throw e;
        }
        return slapd;
    }

    private static String config(Path dir) {
        return String.join("\n",
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "include /etc/ldap/schema/nis.schema",
                "include /etc/ldap/schema/misc.schema",
                "attributetype ( 1.3.6.1.4.1.32473.1.1 NAME 'mailPort' EQUALITY integerMatch"
                        + " SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )",
                "objectclass ( 1.3.6.1.4.1.32473.2.1 NAME 'mailproxyRoute' SUP top AUXILIARY MAY ( mailPort ) )",
                "pidfile " + dir.resolve("slapd.pid"),
                "argsfile " + dir.resolve("slapd.args"),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "TLSCertificateFile " + dir.resolve("cert.pem"),
                "TLSCertificateKeyFile " + dir.resolve("key.pem"),
                "database mdb",
                "maxsize 16777216",
                "suffix \"" + SUFFIX + "\"",
                "rootdn \"cn=admin," + SUFFIX + "\"",
                "directory " + dir.resolve("data"),
                "access to attrs=userPassword by dn.exact=\"" + SERVICE_DN + "\" read by anonymous auth by * none",
                "access to * by * read",
                "");
    }

    /**
     * An RSA key and a self-signed certificate for 127.0.0.1 made by the JDK's keytool (GnuTLS, which
     * Debian's slapd uses, does not take the EC key of {@link TestTls}), written as PEM for slapd.
     */
    private static void writeTlsFiles(Path dir) throws IOException, InterruptedException {
        Path store = dir.resolve("tls.p12");
        run(dir, Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-keyalg", "RSA",
                "-keysize", "2048", "-alias", "slapd", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", TestTls.PASSWORD,
                "-keypass", TestTls.PASSWORD);
        try (java.io.InputStream in = Files.newInputStream(store)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, TestTls.PASSWORD.toCharArray());
            Key key = keys.getKey("slapd", TestTls.PASSWORD.toCharArray());
            Certificate cert = keys.getCertificate("slapd");
            Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));
            Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot export the test certificate", e);
        }
    }

    /** @return a TLS context that trusts this server's certificate, and only it */
    SSLContext clientContext() {
        try {
            return new SSLUtil(new PEMFileTrustManager(dir.resolve("cert.pem").toFile())).createSSLContext();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("setup.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + Files.readString(dir.resolve("setup.log")));
        }
    }

    private boolean answers() {
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", port)) {
            c.bind(SERVICE_DN, SERVICE_PASSWORD);
            return true;
        } catch (LDAPException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** @return {@code ldap://127.0.0.1:PORT} */
    String uri() {
        return "ldap://127.0.0.1:" + port;
    }

    /** @return {@code ldaps://127.0.0.1:PORT} */
    String ldapsUri() {
        return "ldaps://127.0.0.1:" + ldapsPort;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("slapd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops slapd (SIGTERM, then waits for it) and removes the directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no test failure
        }
    }

    @Override
    public String toString() {
        return "PrivateSlapd[" + uri() + ", " + dir + "]";
    }
}
