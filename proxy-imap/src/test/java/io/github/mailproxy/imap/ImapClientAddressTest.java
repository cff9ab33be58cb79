package io.github.mailproxy.imap;

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
 * The client's address reaches the backend by default, as with Dovecot's proxy: IMAP {@code ID}
 * whenever the backend advertises it, unless the setting or the PassDb field
 * {@code proxy_not_trusted} turns it off. A client from the login trusted networks (a webmail
 * server, another proxy) may name the client it speaks for and pass its proxy TTL on; the PassDb
 * and the backend then see that client. Real sockets; the backend is a raw fake that shows the ID.
 */
class ImapClientAddressTest {

    private static final String FORWARDED_ID = "a ID (\"name\" \"webmail\" \"x-originating-ip\" \"203.0.113.9\" "
            + "\"x-originating-port\" \"4444\" \"x-proxy-ttl\" \"3\")\r\n";

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
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
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

    /** A backend that advertises ID and records the first command and, after an ID, the second. */
    private static RudeBackend idBackend(List<String> received) throws IOException {
        return RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1 ID] ready\r\n");
            String first = c.readLineText();
            received.add(first);
            if (first.startsWith("mp1 ID ")) {
                c.send("* ID NIL\r\nmp1 OK ID completed\r\n");
                received.add(c.readLineText());
                c.send("mp2 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
            } else {
                c.send("mp1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
            }
            c.awaitEndOfStream();
        });
    }

    /** Sends the webmail's ID, then logs in; returns the client's own port. */
    private static int idThenLogin(ProxyServer proxy) throws IOException {
        try (RawImapClient client = new RawImapClient(proxy.port(ImapProtocol.NAME))) {
            client.readLine();
            client.send(FORWARDED_ID);
            assertThat(client.readLine()).isEqualTo("* ID (\"name\" \"mailproxy\")");
            assertThat(client.readLine()).isEqualTo("a OK ID completed.");
            client.send("b LOGIN bob pw\r\n");
            assertThat(client.tagged("b")).isEqualTo("b OK [CAPABILITY IMAP4rev1] Logged in");
            return client.localPort();
        }
    }

    @Test
    void aTrustedClientsOriginatingAddressReachesThePassDbAndTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = idBackend(received)) {
            // the originating client is no loopback client: plaintext must be allowed for it
            ProxyServer proxy = proxy(ProxyServer.builder().loginTrustedNetworks("127.0.0.1")
                    .plaintextAuth(PlaintextAuth.ALWAYS), backend.port(), null);
            idThenLogin(proxy);
            backend.finish();
            assertThat(lookups).hasSize(1);
            assertThat(lookups.get(0).clientAddress()).isEqualTo(new InetSocketAddress("203.0.113.9", 4444));
            assertThat(received.get(0)).matches("mp1 ID \\(\"x-originating-ip\" \"203\\.0\\.113\\.9\" "
                    + "\"x-originating-port\" \"4444\" \"x-connected-ip\" \"127\\.0\\.0\\.1\" \"x-connected-port\" \""
                    + proxy.port(ImapProtocol.NAME) + "\" \"x-session-ext-id\" \"[^\"]+\" \"x-proxy-ttl\" \"2\"\\)");
            assertThat(received.get(1)).isEqualTo("mp2 LOGIN \"bob\" \"pw\"");
        }
    }

    @Test
    void byDefaultTheRealClientIsForwardedAndAnUntrustedClientsIdFieldsAreIgnored() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = idBackend(received)) {
            ProxyServer proxy = proxy(ProxyServer.builder(), backend.port(), null);
            int clientPort = idThenLogin(proxy);
            backend.finish();
            assertThat(lookups.get(0).clientAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", clientPort));
            assertThat(received.get(0)).startsWith("mp1 ID (\"x-originating-ip\" \"127.0.0.1\" \"x-originating-port\" \""
                    + clientPort + "\" ").endsWith("\"x-proxy-ttl\" \"4\")");
        }
    }

    @Test
    void theProxyNotTrustedFieldKeepsTheClientsAddressFromTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = idBackend(received)) {
            idThenLogin(proxy(ProxyServer.builder(), backend.port(), PassDbResult.PROXY_NOT_TRUSTED));
            backend.finish();
            assertThat(received).containsExactly("mp1 LOGIN \"bob\" \"pw\"");
        }
    }

    @Test
    void theSettingKeepsTheClientsAddressFromTheBackend() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = idBackend(received)) {
            idThenLogin(proxy(ProxyServer.builder().backendTrusted(false), backend.port(), null));
            backend.finish();
            assertThat(received).containsExactly("mp1 LOGIN \"bob\" \"pw\"");
        }
    }

    @Test
    void imaptestsLongIdGetsOkWithTheDefaultLineBound() throws IOException {
        // imaptest's "id" test sends an ID line of about 31 KB; Dovecot allows 64 KB (imap_max_line_length)
        StringBuilder id = new StringBuilder("a ID (");
        for (int i = 0; i < 30; i++) {
            id.append(i == 0 ? "" : " ").append("\"field").append(i).append("\" \"").append("v".repeat(1024)).append('"');
        }
        String line = id.append(")\r\n").toString();
        assertThat(line.length()).isGreaterThan(31_000);
        ProxyServer proxy = proxy(ProxyServer.builder(), 1, null);
        try (RawImapClient client = new RawImapClient(proxy.port(ImapProtocol.NAME))) {
            client.readLine();
            client.send(line);
            assertThat(client.readLine()).isEqualTo("* ID (\"name\" \"mailproxy\")");
            assertThat(client.readLine()).isEqualTo("a OK ID completed.");
            client.send("b ID (\"x\" \"" + "y".repeat(70 * 1024) + "\")\r\n");
            assertThat(client.readLine()).as("the bound still holds").isEqualTo("b BAD Command line too long.");
            client.send("c NOOP\r\n");
            assertThat(client.readLine()).isEqualTo("c OK NOOP completed.");
        }
    }
}
