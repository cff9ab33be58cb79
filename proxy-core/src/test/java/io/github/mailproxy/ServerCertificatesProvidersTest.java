package io.github.mailproxy;

import static io.github.mailproxy.testing.TestCertificates.entry;
import static io.github.mailproxy.testing.TestCertificates.keyStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.testing.TestCertificates;
import io.github.mailproxy.testing.TestSecrets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ServerCertificates#keyManager()} in a context of each TLS provider, the JDK's and Conscrypt:
 * the engine path (what the proxy's listeners use) chooses by server name, with an RSA and an EC key
 * in the default keystore; and so does the socket path, with the JDK's.
 */
class ServerCertificatesProvidersTest {

    /** TLS 1.2 suites whose server key is RSA, or EC. */
    private static final String[] RSA_ONLY = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
    private static final String[] EC_ONLY = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};
    private static final String PASSWORD = TestSecrets.register("pw-keystore-providers");

    @TempDir
    static Path dir;
    private static ServerCertificates certificates;

    @BeforeAll
    static void makeKeyStores() {
        Path defaults = keyStore(dir.resolve("default.p12"), PASSWORD,
                entry("ec", "CN=default-ec", "mail.default.test"),
                new TestCertificates.Entry("rsa", "CN=default-rsa", "RSA", List.of("mail.default.test")));
        Path a = keyStore(dir.resolve("a.p12"), PASSWORD, entry("a", "CN=a", "imap.a.test", "*.wild.test"));
        certificates = ServerCertificates.builder().defaultKeyStore(defaults, PASSWORD.toCharArray())
                .keyStore(a, PASSWORD.toCharArray()).reloadInterval(Duration.ZERO).build();
    }

    @AfterAll
    static void close() {
        certificates.close();
    }

    static Stream<Arguments> providers() {
        return Stream.of(Arguments.of("JDK", null), Arguments.of("Conscrypt", Conscrypt.newProvider()));
    }

    private static SSLContext server(Provider provider) throws Exception {
        SSLContext context = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
        context.init(new KeyManager[] {certificates.keyManager()}, null, null);
        return context;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void anEngineChoosesByServerName(String name, Provider provider) throws Exception {
        SSLContext server = server(provider);
        assertThat(engineHandshake(server, "imap.a.test")).isEqualTo("CN=a");
        assertThat(engineHandshake(server, "x.wild.test")).isEqualTo("CN=a");
        assertThat(engineHandshake(server, "unknown.test")).startsWith("CN=default-");
        assertThat(engineHandshake(server, null)).startsWith("CN=default-");
    }

    /**
     * The JDK's provider asks for each key type the client accepts, in the client's order. Conscrypt
     * asks for every key type of the server's cipher suites and keeps the last key it is given, so
     * with Conscrypt a name has one key; a keystore of an RSA and an EC key serves one of them.
     */
    @org.junit.jupiter.api.Test
    void theKeyTypeTheClientTakesIsServed() throws Exception {
        SSLContext server = server(null);
        assertThat(engineHandshake(server, null, RSA_ONLY)).isEqualTo("CN=default-rsa");
        assertThat(engineHandshake(server, "unknown.test", EC_ONLY)).isEqualTo("CN=default-ec");
        // the name's only key is EC: a client that takes RSA only gets no certificate for another name
        assertThatThrownBy(() -> engineHandshake(server, "imap.a.test", RSA_ONLY)).isInstanceOf(SSLException.class);
    }

    /**
     * The socket path ({@code chooseServerAlias} with the socket's handshake session), for an
     * application that serves {@link SSLServerSocket}s. The JDK's only: Conscrypt's sockets need
     * {@code --add-opens java.base/java.net} on this JDK to learn the peer's host name, and the proxy
     * uses engines.
     */
    @org.junit.jupiter.api.Test
    void aServerSocketChoosesByServerName() throws Exception {
        SSLContext server = server(null);
        try (SSLServerSocket listening = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort());
            for (String[] expected : new String[][] {{"imap.a.test", "CN=a"}, {"IMAP.A.TEST", "CN=a"},
                    {null, "CN=default-"}}) {
                CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                    try (SSLSocket s = (SSLSocket) listening.accept()) {
                        s.setSoTimeout(10_000);
                        s.startHandshake();
                        s.getOutputStream().write('.');
                        s.getInputStream().read();  // until the client has looked and closes
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (SSLSocket client = TestCertificates.connect(address, expected[0])) {
                    assertThat(client.getInputStream().read()).isEqualTo('.');
                    assertThat(TestCertificates.subject(client)).startsWith(expected[1]);
                }
                accepted.get(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Runs a handshake in memory between a server engine of {@code server} and a JDK client engine
     * that sends {@code serverName}, and returns the subject of the certificate the client got.
     */
    private static String engineHandshake(SSLContext server, String serverName) throws Exception {
        return engineHandshake(server, serverName, null);
    }

    /** As {@link #engineHandshake(SSLContext, String)}, the client offering only TLS 1.2 with {@code suites}. */
    private static String engineHandshake(SSLContext server, String serverName, String[] suites) throws Exception {
        SSLEngine serverEngine = server.createSSLEngine();
        serverEngine.setUseClientMode(false);
        SSLEngine client = TestCertificates.anyCertClient().createSSLEngine("peer", 993);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        if (suites != null) {
            parameters.setProtocols(new String[] {"TLSv1.2"});
            parameters.setCipherSuites(suites);
        }
        client.setSSLParameters(parameters);
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer sink = ByteBuffer.allocate(1 << 17);
        client.beginHandshake();
        serverEngine.beginHandshake();
        for (int step = 0; step < 200 && !(done(client) && done(serverEngine)); step++) {
            pump(client, toServer, sink);
            pump(serverEngine, toClient, sink);
            toServer.flip();
            serverEngine.unwrap(toServer, sink.clear());
            toServer.compact();
            toClient.flip();
            client.unwrap(toClient, sink.clear());
            toClient.compact();
        }
        assertThat(done(client) && done(serverEngine)).as("handshake completed").isTrue();
        return ((X509Certificate) client.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static boolean done(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus s = engine.getHandshakeStatus();
        return s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || s == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** Runs delegated tasks and wraps what the engine has to send. */
    private static void pump(SSLEngine engine, ByteBuffer out, ByteBuffer scratch) throws Exception {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        engine.wrap(scratch.clear().flip(), out);
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
