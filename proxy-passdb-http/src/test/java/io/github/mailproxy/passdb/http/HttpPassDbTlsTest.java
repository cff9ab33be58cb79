package io.github.mailproxy.passdb.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.testing.TestTls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HttpPassDb} with an {@code https} auth server: the configured trust decides. */
class HttpPassDbTlsTest {

    private HttpsServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(TestTls.serverContext()));
        server.createContext("/auth", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().add("Auth-Status", "OK");
                exchange.getResponseHeaders().add("Auth-Server", "10.0.0.9");
                exchange.getResponseHeaders().add("Auth-Port", "993");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void anHttpsServerTrustedThroughTheSslContextAnswers() throws Exception {
        HttpPassDb passDb = HttpPassDb.builder(url()).sslContext(TestTls.clientContext()).build();

        assertThat(lookup(passDb).field("host")).contains("10.0.0.9");
    }

    @Test
    void anUntrustedCertificateIsATemporaryFailure() throws Exception {
        PassDbResult result = lookup(HttpPassDb.builder(url()).build());

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).contains("SSL");
    }

    private URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/auth");
    }

    private static PassDbResult lookup(HttpPassDb passDb) throws Exception {
        AuthRequest request = new AuthRequest("imap", "alice", "pw-12345", "PLAIN",
                new InetSocketAddress("127.0.0.1", 5000), new InetSocketAddress("127.0.0.1", 993), true, "s1");
        return passDb.lookup(request).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
