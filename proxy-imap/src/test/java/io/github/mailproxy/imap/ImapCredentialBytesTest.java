package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.RudeBackend;
import io.github.mailproxy.testing.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * In password forwarding the backend gets exactly the bytes of the user name and password the
 * client sent, whatever their charset: a legacy client's Latin-1 {@code 0xE4} arrives as
 * {@code 0xE4}, UTF-8 as UTF-8, from LOGIN with quoted strings or literals and from AUTHENTICATE
 * PLAIN or LOGIN, whether the proxy logs in with LOGIN or AUTHENTICATE PLAIN. A NUL in either is
 * refused before the PassDb is asked. The backend is a raw fake, the only kind that shows bytes.
 */
class ImapCredentialBytesTest {

    private static final byte[] LATIN1_USER = {'j', (byte) 0xE4};
    private static final byte[] LATIN1_PASSWORD = {'p', (byte) 0xE4, 's', 's'};
    private static final byte[] UTF8_USER = "jä".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UTF8_PASSWORD = "päss".getBytes(StandardCharsets.UTF_8);
    private static final Duration FAILURE_DELAY = Duration.ofMillis(300);

    private static ProxyServer server;
    private static volatile int backendPort = 1;
    private static final List<AuthRequest> lookups = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> {
                    lookups.add(request);
                    return CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "host", "127.0.0.1", "port", String.valueOf(backendPort), "nopassword", "y")));
                })
                .authFailureDelay(FAILURE_DELAY)
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

    @AfterEach
    void nothingLeaked() {
        LeakCheck.assertNothingLeaked(server);
        lookups.clear();
    }

    /** How the client sends its credentials. */
    enum ClientForm { QUOTED, LITERAL, AUTHENTICATE_PLAIN, AUTHENTICATE_LOGIN }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String charset : List.of("ISO-8859-1", "UTF-8")) {
            for (ClientForm form : ClientForm.values()) {
                for (boolean backendPlain : List.of(false, true)) {
                    cases.add(Arguments.of(charset, form, backendPlain));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}, backend AUTHENTICATE PLAIN: {2}")
    @MethodSource("cases")
    void theBackendGetsTheClientsExactBytes(String charset, ClientForm form, boolean backendPlain) throws IOException {
        byte[] user = charset.equals("UTF-8") ? UTF8_USER : LATIN1_USER;
        byte[] password = charset.equals("UTF-8") ? UTF8_PASSWORD : LATIN1_PASSWORD;
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            // LOGINDISABLED makes the proxy log in with AUTHENTICATE PLAIN
            c.send("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN" + (backendPlain ? " LOGINDISABLED" : "")
                    + "] ready\r\n");
            received.complete(c.readImapCommand());
            c.send("mp1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
            c.awaitEndOfStream();
        })) {
            backendPort = backend.port();
            try (RawImapClient client = new RawImapClient(server.port(ImapProtocol.NAME))) {
                client.readLine();
                sendCredentials(client, form, user, password);
                assertThat(client.tagged("a")).isEqualTo("a OK [CAPABILITY IMAP4rev1] Logged in");
            }
            backend.finish();
        }
        byte[] expected = backendPlain
                ? concat(ascii("mp1 AUTHENTICATE PLAIN "), ascii(b64(concat(new byte[] {0}, user, new byte[] {0}, password))))
                : concat(ascii("mp1 LOGIN {" + user.length + "+}\r\n"), user,
                        ascii(" {" + password.length + "+}\r\n"), password);
        assertThat(received.join()).as(hex(received.join())).isEqualTo(expected);
        assertThat(lookups).hasSize(1);
        // the PassDb and the logs get text: UTF-8 when it is UTF-8, else Latin-1, never U+FFFD
        assertThat(lookups.get(0).user()).isEqualTo("jä");
        assertThat(lookups.get(0).userBytes()).isEqualTo(user);
        assertThat(lookups.get(0).password()).isEqualTo("päss");
        assertThat(lookups.get(0).passwordBytes()).isEqualTo(password);
    }

    private static void sendCredentials(RawImapClient client, ClientForm form, byte[] user, byte[] password)
            throws IOException {
        switch (form) {
            case QUOTED -> client.send(concat(ascii("a LOGIN \""), user, ascii("\" \""), password, ascii("\"\r\n")));
            case LITERAL -> client.send(concat(ascii("a LOGIN {" + user.length + "+}\r\n"), user,
                    ascii(" {" + password.length + "+}\r\n"), password, ascii("\r\n")));
            case AUTHENTICATE_PLAIN -> client.send("a AUTHENTICATE PLAIN "
                    + b64(concat(new byte[] {0}, user, new byte[] {0}, password)) + "\r\n");
            case AUTHENTICATE_LOGIN -> {
                client.send("a AUTHENTICATE LOGIN\r\n");
                assertThat(client.readLine()).isEqualTo("+ VXNlcm5hbWU6");
                client.send(b64(user) + "\r\n");
                assertThat(client.readLine()).isEqualTo("+ UGFzc3dvcmQ6");
                client.send(b64(password) + "\r\n");
            }
        }
    }

    static Stream<Arguments> nulCases() {
        return Stream.of(
                Arguments.of("NUL in a literal user name", concat(ascii("a LOGIN {3+}\r\n"), new byte[] {'b', 0, 'b'},
                        ascii(" pw\r\n"))),
                Arguments.of("NUL in a literal password", concat(ascii("a LOGIN bob {3+}\r\n"),
                        new byte[] {'p', 0, 'w'}, ascii("\r\n"))),
                Arguments.of("NUL in a PLAIN password", ascii("a AUTHENTICATE PLAIN "
                        + b64(new byte[] {0, 'b', 'o', 'b', 0, 'p', 0, 'w'}) + "\r\n")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nulCases")
    void aNulIsRefusedAfterTheFailureDelayWithoutAskingThePassDb(String name, byte[] command) throws IOException {
        try (RawImapClient client = new RawImapClient(server.port(ImapProtocol.NAME))) {
            client.readLine();
            long start = System.nanoTime();
            client.send(command);
            assertThat(client.tagged("a")).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(FAILURE_DELAY);
            client.send("b NOOP\r\n");
            assertThat(client.tagged("b")).isEqualTo("b OK NOOP completed.");
        }
        assertThat(lookups).as("PassDb lookups").isEmpty();
    }

    @org.junit.jupiter.api.Test
    void aNulInAnAuthenticateLoginUserNameIsRefusedWithoutAskingThePassDb() throws IOException {
        try (RawImapClient client = new RawImapClient(server.port(ImapProtocol.NAME))) {
            client.readLine();
            client.send("a AUTHENTICATE LOGIN\r\n");
            client.readLine();
            client.send(b64(new byte[] {'b', 0, 'b'}) + "\r\n");
            client.readLine();
            client.send(b64(ascii("pw")) + "\r\n");
            assertThat(client.tagged("a")).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
        }
        assertThat(lookups).as("PassDb lookups").isEmpty();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02X ", b & 0xff));
        }
        return sb.toString();
    }
}
