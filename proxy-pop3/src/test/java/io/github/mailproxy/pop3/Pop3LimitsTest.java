package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.LeakCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A POP3 client over the connection limit is told to come back later (RFC 3206 SYS/TEMP). */
class Pop3LimitsTest {

    private static ProxyServer server;

    @BeforeAll
    static void start() {
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> CompletableFuture.completedFuture(PassDbResult.notFound()))
                .maxConnections(1)
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
        }
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port(Pop3Protocol.NAME));
        s.setSoTimeout(10_000);
        return s;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    @Test
    void aConnectionOverTheLimitGetsSysTemp() throws IOException {
        try (Socket first = connect()) {
            assertThat(reader(first).readLine()).startsWith("+OK");
            try (Socket second = connect()) {
                BufferedReader in = reader(second);
                assertThat(in.readLine()).isEqualTo("-ERR [SYS/TEMP] Too many connections, try again later.");
                assertThat(in.readLine()).isNull();
            }
        }
    }
}
