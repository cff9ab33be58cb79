package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.RudeBackend;
import io.github.mailproxy.testing.LeakCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's address reaches a POP3 backend by default with XCLIENT whenever the backend offers
 * it (Dovecot's {@code +OK [XCLIENT]} greeting or CAPA), unless the setting or the PassDb field
 * {@code proxy_not_trusted} turns it off. A client from the login trusted networks is offered
 * XCLIENT itself, names the client it speaks for and passes its TTL on; others get the error for an
 * unknown command. Real sockets; the backend is a raw fake that shows what it got.
 */
class Pop3ClientAddressTest {

    private final List<AuthRequest> lookups = new CopyOnWriteArrayList<>();
    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            try {
                LeakCheck.assertNothingLeaked(server);
            } finally {
                server.close();
            }
        }
    }

    private ProxyServer proxy(ProxyServer.Builder builder, int backendPort, String extraField) {
        server = builder
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> {
                    lookups.add(request);
                    Map<String, String> fields = new HashMap<>(Map.of("proxy", "y", "host", "127.0.0.1",
                            "port", String.valueOf(backendPort), "nopassword", "y"));
                    if (extraField != null) {
                        fields.put(extraField, "y");
                    }
                    return CompletableFuture.completedFuture(PassDbResult.found(fields));
                })
                .authFailureDelay(Duration.ZERO)
                .build()
                .start();
        return server;
    }

    /** A Dovecot-like backend offering XCLIENT in its greeting; records every command up to PASS. */
    private static RudeBackend xclientBackend(List<String> received) throws IOException {
        return RudeBackend.serve(c -> {
            c.send("+OK [XCLIENT] Dovecot ready.\r\n");
            while (true) {
                String line = c.readLineText();
                received.add(line);
                if (line.equals("CAPA")) {
                    c.send("+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
                } else if (line.startsWith("PASS ")) {
                    c.send("+OK Logged in.\r\n");
                    break;
                } else {
                    c.send("+OK\r\n");
                }
            }
            c.awaitEndOfStream();
        });
    }

    private static void login(PopClient client) {
        assertThat(client.command("USER bob")).isEqualTo("+OK");
        assertThat(client.command("PASS pw")).isEqualTo("+OK Logged in.");
    }

    @Test
    void aTrustedClientsXclientReachesThePassDbAndTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = xclientBackend(received)) {
            // the originating client is no loopback client: plaintext must be allowed for it
            ProxyServer proxy = proxy(ProxyServer.builder().loginTrustedNetworks("127.0.0.1")
                    .plaintextAuth(PlaintextAuth.ALWAYS), backend.port(), null);
            try (PopClient client = PopClient.connect(proxy.port(Pop3Protocol.NAME))) {
                assertThat(client.readLine()).isEqualTo("+OK [XCLIENT] mailproxy ready.");
                assertThat(client.command("XCLIENT ADDR=203.0.113.9 PORT=4444 TTL=3")).isEqualTo("+OK");
                login(client);
            }
            backend.finish();
        }
        assertThat(lookups).hasSize(1);
        assertThat(lookups.get(0).clientAddress()).isEqualTo(new InetSocketAddress("203.0.113.9", 4444));
        assertThat(received.get(1)).matches("XCLIENT ADDR=203\\.0\\.113\\.9 PORT=4444 SESSION=\\S+ TTL=2");
        assertThat(received).containsSubsequence("USER bob", "PASS pw");
    }

    @Test
    void byDefaultTheRealClientIsForwardedAndAnUntrustedClientsXclientIsUnknown() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        int clientPort;
        try (RudeBackend backend = xclientBackend(received)) {
            ProxyServer proxy = proxy(ProxyServer.builder(), backend.port(), null);
            try (PopClient client = PopClient.connect(proxy.port(Pop3Protocol.NAME))) {
                clientPort = client.localPort();
                assertThat(client.readLine()).isEqualTo("+OK mailproxy ready.");
                assertThat(client.command("XCLIENT ADDR=203.0.113.9 PORT=4444 TTL=3")).isEqualTo("-ERR Unknown command.");
                login(client);
            }
            backend.finish();
        }
        assertThat(lookups.get(0).clientAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", clientPort));
        assertThat(received).hasSize(4);
        assertThat(received.get(0)).isEqualTo("CAPA");
        assertThat(received.get(1)).matches("XCLIENT ADDR=127\\.0\\.0\\.1 PORT=" + clientPort + " SESSION=\\S+ TTL=4");
    }

    @Test
    void theProxyNotTrustedFieldKeepsTheClientsAddressFromTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = xclientBackend(received)) {
            ProxyServer proxy = proxy(ProxyServer.builder(), backend.port(), PassDbResult.PROXY_NOT_TRUSTED);
            try (PopClient client = PopClient.connect(proxy.port(Pop3Protocol.NAME))) {
                client.readLine();
                login(client);
            }
            backend.finish();
        }
        assertThat(received).noneMatch(line -> line.startsWith("XCLIENT")).contains("USER bob", "PASS pw");
    }

    @Test
    void theSettingKeepsTheClientsAddressFromTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = xclientBackend(received)) {
            ProxyServer proxy = proxy(ProxyServer.builder().backendTrusted(false), backend.port(), null);
            try (PopClient client = PopClient.connect(proxy.port(Pop3Protocol.NAME))) {
                client.readLine();
                login(client);
            }
            backend.finish();
        }
        assertThat(received).noneMatch(line -> line.startsWith("XCLIENT")).contains("USER bob", "PASS pw");
    }
}
