package io.github.mailproxy.examples.launcher;

import static io.github.mailproxy.testing.TestCertificates.entry;
import static io.github.mailproxy.testing.TestCertificates.keyStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestCertificates;
import io.github.mailproxy.testing.TestSecrets;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code tls.sni.keystores} and {@code tls.reload.interval}: Angus Mail logs in over
 * IMAPS asking for a server name, and sees the certificate for that name, before and after the
 * keystore is replaced under the running proxy.
 */
class LauncherSniTest {

    private static final String PASSWORD = TestSecrets.register("pw-launcher-keystores");

    private static GreenMail backend;
    @TempDir
    static Path made;
    private static Path defaultStore;
    private static Path sniStore;
    private static Path renewedSniStore;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        backend.start();
        backend.setUser("erin@example.org", "erin", "erin-secret");
        defaultStore = keyStore(made.resolve("default.p12"), PASSWORD, entry("main", "CN=default", "mail.default.test"));
        sniStore = keyStore(made.resolve("sni.p12"), PASSWORD, entry("sni", "CN=sni", "imap.sni.test"));
        renewedSniStore = keyStore(made.resolve("renewed.p12"), PASSWORD, entry("sni", "CN=sni-renewed", "imap.sni.test"));
    }

    @AfterAll
    static void stop() {
        backend.stop();
    }

    private RunningProxy startFromFile(String text) throws IOException {
        Path file = dir.resolve("mailproxy.properties");
        Files.writeString(file, text);
        return Launcher.start(LauncherConfig.load(file));
    }

    @Test
    void imapsClientsGetTheCertificateOfTheNameTheyAskForAndItsReplacement() throws Exception {
        Path sni = Files.copy(sniStore, dir.resolve("sni.p12"));
        RunningProxy proxy = startFromFile("""
                imap.listen = 127.0.0.1:0
                imap.tls = implicit
                tls.keystore = %s
                tls.keystore.password = %s
                tls.sni.keystores = %s
                tls.reload.interval = 0
                plaintext.auth = tls-only
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                """.formatted(defaultStore, PASSWORD, sni, backend.getImap().getPort()));
        try {
            int port = proxy.server().port("imap");
            assertThat(loginAndSubject(port, "imap.sni.test")).isEqualTo("CN=sni");
            assertThat(loginAndSubject(port, null)).isEqualTo("CN=default");

            Files.copy(renewedSniStore, dir.resolve("sni.p12.new"));
            Files.move(dir.resolve("sni.p12.new"), sni, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            assertThat(proxy.config().certificates().orElseThrow().reload()).isTrue();

            assertThat(loginAndSubject(port, "IMAP.SNI.TEST")).isEqualTo("CN=sni-renewed");
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    @Test
    void keystoresThatCannotServeAreNamedByTheirKey() throws IOException {
        Path noNames = keyStore(dir.resolve("no-names.p12"), PASSWORD, entry("x", "CN=no-names"));
        Path otherPassword = keyStore(dir.resolve("other.p12"), "pw-other-keystore", entry("x", "CN=o", "o.test"));
        String base = """
                imap.listen = 127.0.0.1:0
                imap.tls = implicit
                tls.keystore = %s
                tls.keystore.password = %s
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=1 nopassword=y
                """.formatted(defaultStore, PASSWORD);

        assertThatThrownBy(() -> startFromFile(base + "tls.sni.keystores = " + noNames))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tls.sni.keystores: " + noNames + ": no server name would choose its keys");
        assertThatThrownBy(() -> startFromFile(base + "tls.sni.keystores = " + defaultStore + ", " + otherPassword))
                .isInstanceOf(ConfigException.class)
                .hasMessage("tls.keystore.password: wrong password for " + otherPassword)
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> startFromFile(base + "tls.sni.keystores = " + dir.resolve("missing.p12")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("tls.sni.keystores: file not found: " + dir.resolve("missing.p12"));
        assertThatThrownBy(() -> startFromFile(base + "tls.reload.interval = soon"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("tls.reload.interval: expected a duration");
        assertThatThrownBy(() -> startFromFile(base.replace("imap.tls = implicit\n", "") + "tls.reload.interval = 5m"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("tls.keystore: only used with");
    }

    /**
     * Logs in as erin over IMAPS with Angus Mail, sending {@code serverName} (or none), and returns the
     * subject of the certificate the proxy presented.
     */
    private static String loginAndSubject(int port, String serverName) throws Exception {
        AtomicReference<String> subject = new AtomicReference<>();
        SSLContext context = TestCertificates.anyCertClient(
                chain -> subject.set(chain[0].getSubjectX500Principal().getName()));
        Properties p = new Properties();
        p.put("mail.imaps.ssl.socketFactory", new SniSocketFactory(context.getSocketFactory(), serverName));
        // the names are test names, not 127.0.0.1: the test checks which certificate came instead
        p.setProperty("mail.imaps.ssl.checkserveridentity", "false");
        p.setProperty("mail.imaps.socketFactory.fallback", "false");
        p.setProperty("mail.imaps.connectiontimeout", "10000");
        p.setProperty("mail.imaps.timeout", "10000");
        Store store = Session.getInstance(p).getStore("imaps");
        store.connect("127.0.0.1", port, "erin", "erin-secret");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isZero();
            inbox.close(false);
        } finally {
            store.close();
        }
        return subject.get();
    }

    /** Makes TLS sockets that ask for one server name, or for none. */
    private static final class SniSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String serverName;

        SniSocketFactory(SSLSocketFactory delegate, String serverName) {
            this.delegate = delegate;
            this.serverName = serverName;
        }

        private Socket named(Socket socket) {
            SSLSocket tls = (SSLSocket) socket;
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            tls.setSSLParameters(parameters);
            return tls;
        }

        @Override
        public Socket createSocket() throws IOException {
            return named(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return named(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return named(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return named(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return named(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return named(delegate.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }
}
