package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A trusted backend is told the client's address with ID before the login. The backend is a tiny
 * scripted fake, because only it can show what the proxy sent.
 */
class ImapTrustedBackendTest {

    private static ServerSocket backend;
    private static Thread backendThread;
    private static final List<String> received = new CopyOnWriteArrayList<>();
    private static ProxyServer server;

    @BeforeAll
    static void start() throws IOException {
        backend = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        backendThread = new Thread(ImapTrustedBackendTest::serveOne, "fake-imap-backend");
        backendThread.setDaemon(true);
        backendThread.start();
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backend.getLocalPort() + " nopassword=y"))
                .backendTrusted(true)
                .proxyTtl(5)
                .build()
                .start();
    }

    /** Greets, answers ID and LOGIN, then echoes nothing until the proxy closes. */
    private static void serveOne() {
        try (Socket socket = backend.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            out.write("* OK [CAPABILITY IMAP4rev1 ID] fake ready\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                String tag = line.substring(0, line.indexOf(' '));
                String reply = line.contains(" ID (") ? "* ID NIL\r\n" + tag + " OK ID completed\r\n"
                        : line.contains(" LOGIN ") ? tag + " OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"
                        : line.contains(" LOGOUT") ? "* BYE bye\r\n" + tag + " OK done\r\n"
                        : tag + " BAD unexpected\r\n";
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                if (line.contains(" LOGOUT")) {
                    break;
                }
            }
        } catch (IOException e) {
            received.add("failed: " + e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            backend.close();
            backendThread.join(5_000);
        }
    }

    @Test
    void idCarriesTheClientAddressBeforeTheLogin() throws IOException {
        int proxyPort = server.port(ImapProtocol.NAME);
        try (RawImapClient client = new RawImapClient(proxyPort)) {
            client.readLine();
            client.send("a LOGIN bob \"pw bob\"\r\n");
            assertThat(client.readLine()).isEqualTo("a OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
            client.send("b LOGOUT\r\n");
            assertThat(client.readUntilTagged("b")).containsExactly("* BYE bye", "b OK done");

            assertThat(received).hasSize(3);
            String id = received.get(0);
            assertThat(id).matches("mp1 ID \\(\"x-originating-ip\" \"127\\.0\\.0\\.1\" \"x-originating-port\" \""
                    + client.localPort() + "\" \"x-connected-ip\" \"127\\.0\\.0\\.1\" \"x-connected-port\" \""
                    + proxyPort + "\" \"x-session-ext-id\" \"[^\"]+\" \"x-proxy-ttl\" \"4\"\\)");
            assertThat(received.get(1)).isEqualTo("mp2 LOGIN \"bob\" \"pw bob\"");
            assertThat(received.get(2)).isEqualTo("b LOGOUT");
        }
    }
}
