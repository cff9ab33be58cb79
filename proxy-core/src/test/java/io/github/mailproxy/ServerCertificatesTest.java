package io.github.mailproxy;

import static io.github.mailproxy.testing.TestCertificates.entry;
import static io.github.mailproxy.testing.TestCertificates.keyStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.LogfmtParser;
import io.github.mailproxy.testing.TestCertificates;
import io.github.mailproxy.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServerCertificates} behind a real TLS listener: the certificate a client gets for the
 * server name it sends, and keystores replaced while the server runs. Keystores are made by
 * {@code keytool} once per class; each test copies what it replaces.
 */
class ServerCertificatesTest {

    private static final String PASSWORD = TestSecrets.register("pw-keystore-sni");

    @TempDir
    static Path made;
    private static Path defaultStore;
    private static Path aStore;
    private static Path wildStore;
    private static Path plainStore;
    private static Path newDefaultStore;

    @TempDir
    Path dir;
    private ServerCertificates certificates;
    private ProxyServer server;

    @BeforeAll
    static void makeKeyStores() {
        defaultStore = keyStore(made.resolve("default.p12"), PASSWORD, entry("main", "CN=default", "mail.default.test"));
        aStore = keyStore(made.resolve("a.p12"), PASSWORD, entry("a", "CN=a", "imap.a.test", "pop.a.test"));
        wildStore = keyStore(made.resolve("wild.p12"), PASSWORD, entry("w", "CN=wild", "*.wild.test"));
        plainStore = keyStore(made.resolve("plain.p12"), PASSWORD, entry("p", "CN=no-names"));
        newDefaultStore = keyStore(made.resolve("new.p12"), PASSWORD, entry("main", "CN=renewed", "mail.default.test"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    private InetSocketAddress start(ServerCertificates certs) {
        certificates = certs;
        server = ProxyServer.builder()
                .listen(new Listener(new LineProtocol(), new InetSocketAddress("127.0.0.1", 0), TlsMode.IMPLICIT,
                        certs.sslContext()))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=1 nopassword=y"))
                .eventLoops(1).build().start();
        return new InetSocketAddress("127.0.0.1", server.port("line"));
    }

    private Path copy(Path store, String name) throws IOException {
        return Files.copy(store, dir.resolve(name));
    }

    private static void replace(Path file, Path with) throws IOException {
        Path temp = Files.copy(with, file.resolveSibling(file.getFileName() + ".new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path temp = Files.write(file.resolveSibling(file.getFileName() + ".new"), bytes);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void serverNameChoosesTheCertificateThatNamesIt() throws IOException {
        InetSocketAddress proxy = start(ServerCertificates.builder()
                .defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .keyStore(aStore, PASSWORD.toCharArray())
                .keyStore(wildStore, PASSWORD.toCharArray())
                .keyStore(plainStore, PASSWORD.toCharArray(), "legacy.test", "*.legacy.test")
                .reloadInterval(Duration.ZERO).build());

        assertThat(TestCertificates.subjectFor(proxy, "imap.a.test")).isEqualTo("CN=a");
        assertThat(TestCertificates.subjectFor(proxy, "POP.A.Test")).isEqualTo("CN=a");
        assertThat(TestCertificates.subjectFor(proxy, "mail.default.test")).isEqualTo("CN=default");
        assertThat(TestCertificates.subjectFor(proxy, "imap.wild.test")).isEqualTo("CN=wild");
        assertThat(TestCertificates.subjectFor(proxy, "legacy.test")).isEqualTo("CN=no-names");
        assertThat(TestCertificates.subjectFor(proxy, "x.legacy.test")).isEqualTo("CN=no-names");
    }

    @Test
    void noNameOrAnUnknownNameGetsTheDefault() throws IOException {
        InetSocketAddress proxy = start(ServerCertificates.builder()
                .keyStore(aStore, PASSWORD.toCharArray())
                .keyStore(wildStore, PASSWORD.toCharArray())
                .defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .reloadInterval(Duration.ZERO).build());

        assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=default");
        assertThat(TestCertificates.subjectFor(proxy, "unknown.test")).isEqualTo("CN=default");
        // a wildcard covers one label only
        assertThat(TestCertificates.subjectFor(proxy, "wild.test")).isEqualTo("CN=default");
        assertThat(TestCertificates.subjectFor(proxy, "a.b.wild.test")).isEqualTo("CN=default");
        assertThat(TestCertificates.subjectFor(proxy, "imap.a.test.evil")).isEqualTo("CN=default");
    }

    @Test
    void aReplacedKeyStoreServesNewHandshakesWhileOpenSessionsGoOn() throws IOException {
        Path file = copy(defaultStore, "server.p12");
        InetSocketAddress proxy = start(ServerCertificates.builder().defaultKeyStore(file, PASSWORD.toCharArray())
                .reloadInterval(Duration.ZERO).build());
        try (SSLSocket open = TestCertificates.connect(proxy, "mail.default.test")) {
            Lines before = new Lines(open);
            assertThat(before.read()).isEqualTo("HELLO");
            assertThat(certificates.reload()).as("nothing changed yet").isFalse();

            replace(file, newDefaultStore);
            assertThat(certificates.reload()).isTrue();

            assertThat(TestCertificates.subjectFor(proxy, "mail.default.test")).isEqualTo("CN=renewed");
            assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=renewed");
            assertThat(TestCertificates.subject(open)).isEqualTo("CN=default");
            assertThat(before.command("SECURE")).isEqualTo("YES");
        }
    }

    @Test
    void aBadNewFileIsLoggedOnceAndTheKeysInUseStay() throws IOException {
        Path file = copy(defaultStore, "server.p12");
        InetSocketAddress proxy = start(ServerCertificates.builder().defaultKeyStore(file, PASSWORD.toCharArray())
                .reloadInterval(Duration.ZERO).build());
        String log;
        try (LogCapture capture = new LogCapture()) {
            writeAtomically(file, "not a keystore".getBytes(StandardCharsets.US_ASCII));
            assertThat(certificates.reload()).isFalse();
            assertThat(certificates.reload()).as("the same bad file again").isFalse();
            assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=default");

            keyStore(file, "pw-another-keystore", entry("main", "CN=other-password", "mail.default.test"));
            assertThat(certificates.reload()).isFalse();
            assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=default");

            Files.delete(file);
            assertThat(certificates.reload()).isFalse();
            assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=default");

            replace(file, newDefaultStore);
            assertThat(certificates.reload()).isTrue();
            assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=renewed");
            log = capture.text();
        }
        List<Map<String, String>> lines = LogfmtParser.messages(log, ServerCertificates.class.getName()).stream()
                .map(LogfmtParser::parse).toList();
        List<String> refused = lines.stream().filter(l -> l.get("msg").startsWith("keystore not reloaded"))
                .map(l -> l.get("reason")).toList();
        assertThat(refused).hasSize(3);
        assertThat(refused.get(0)).contains(file.toString()).contains("not a PKCS12 or JKS keystore");
        assertThat(refused.get(1)).contains("password");
        assertThat(refused.get(2)).contains("file not found");
        assertThat(lines).anySatisfy(l -> assertThat(l).containsEntry("msg", "keystore reloaded")
                .containsEntry("file", file.toString()).containsEntry("keys", "1"));
        assertThat(log).doesNotContain(PASSWORD).doesNotContain("pw-another-keystore");
    }

    @Test
    void theSchedulerChecksTheFilesUntilClosed() throws IOException {
        List<Runnable> due = new CopyOnWriteArrayList<>();
        // runs a due check on the executor it was given (the reader thread) and waits for it to end
        Scheduler manual = (executor, command, delay, unit) -> {
            due.add(() -> CompletableFuture.runAsync(command, executor).join());
            return CompletableFuture.completedFuture(null);
        };
        Path file = copy(defaultStore, "server.p12");
        InetSocketAddress proxy = start(ServerCertificates.builder().defaultKeyStore(file, PASSWORD.toCharArray())
                .reloadInterval(Duration.ofSeconds(30)).scheduler(manual).build());
        assertThat(due).hasSize(1);

        replace(file, newDefaultStore);
        due.remove(0).run();
        assertThat(due).as("the next check, scheduled after the reload").hasSize(1);
        assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=renewed");

        certificates.close();
        replace(file, defaultStore);
        due.remove(0).run();
        assertThat(due).as("no check after close").isEmpty();
        assertThat(TestCertificates.subjectFor(proxy, null)).isEqualTo("CN=renewed");
    }

    @Test
    void buildRefusesWhatCannotServe() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.p12"), "garbage");
        assertThatThrownBy(() -> ServerCertificates.builder().keyStore(aStore, PASSWORD.toCharArray()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("defaultKeyStore: required");
        assertThatThrownBy(() -> ServerCertificates.builder().defaultKeyStore(defaultStore, "wrong!".toCharArray())
                .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("defaultKeyStore: " + defaultStore)
                .hasMessageNotContaining("wrong!");
        assertThatThrownBy(() -> ServerCertificates.builder().defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .keyStore(garbage, PASSWORD.toCharArray()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("keyStore: " + garbage)
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> ServerCertificates.builder().defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .keyStore(plainStore, PASSWORD.toCharArray()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no server name would choose");
        assertThatThrownBy(() -> ServerCertificates.builder().keyStore(aStore, PASSWORD.toCharArray(), "a b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerCertificates.builder().keyStore(aStore, PASSWORD.toCharArray(), "a.*.test"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerCertificates.builder().defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .defaultKeyStore(aStore, PASSWORD.toCharArray())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ServerCertificates.builder().reloadInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ServerCertificates.builder().defaultKeyStore(defaultStore, PASSWORD.toCharArray())
                .reloadInterval(Duration.ZERO).build().toString()).doesNotContain(PASSWORD);
    }

    /** Reads the line protocol's replies over a TLS socket. */
    private static final class Lines {
        private final BufferedReader in;
        private final OutputStream out;

        Lines(SSLSocket socket) throws IOException {
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            this.out = socket.getOutputStream();
        }

        String read() throws IOException {
            return in.readLine();
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read();
        }
    }
}
