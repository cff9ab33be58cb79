package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.testing.RudeBackend;
import io.github.mailproxy.testing.LeakCheck;
import java.io.ByteArrayOutputStream;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * In password forwarding a POP3 backend gets exactly the bytes of the user name and password the
 * client sent, whatever their charset, from USER/PASS or AUTH PLAIN/LOGIN, whether the proxy logs in
 * with USER/PASS or AUTH PLAIN; a NUL is refused before the PassDb is asked.
 */
class Pop3CredentialBytesTest {

    private static final byte[] LATIN1_USER = {'j', (byte) 0xE4};
    private static final byte[] LATIN1_PASSWORD = {'p', (byte) 0xE4, ' ', 's'};
    private static final byte[] UTF8_USER = "jä".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UTF8_PASSWORD = "pä s".getBytes(StandardCharsets.UTF_8);

    private static ProxyServer server;
    private static volatile int backendPort = 1;
    private static final List<AuthRequest> lookups = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(request -> {
                    lookups.add(request);
                    return CompletableFuture.completedFuture(PassDbResult.found(Map.of("proxy", "y",
                            "host", "127.0.0.1", "port", String.valueOf(backendPort), "nopassword", "y")));
                })
                .authFailureDelay(Duration.ofMillis(100))
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
    enum ClientForm { USER_PASS, AUTH_PLAIN, AUTH_LOGIN }

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

    @ParameterizedTest(name = "{0} {1}, backend AUTH PLAIN: {2}")
    @MethodSource("cases")
    void theBackendGetsTheClientsExactBytes(String charset, ClientForm form, boolean backendPlain) throws Exception {
        byte[] user = charset.equals("UTF-8") ? UTF8_USER : LATIN1_USER;
        byte[] password = charset.equals("UTF-8") ? UTF8_PASSWORD : LATIN1_PASSWORD;
        List<byte[]> received = new CopyOnWriteArrayList<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("+OK ready\r\n");
            c.readLineBytes();  // CAPA: without USER, the proxy logs in with AUTH PLAIN
            c.send("+OK\r\n" + (backendPlain ? "" : "USER\r\n") + "SASL PLAIN\r\n.\r\n");
            received.add(c.readLineBytes());
            c.send("+OK\r\n");
            if (!backendPlain) {
                received.add(c.readLineBytes());
                c.send("+OK logged in\r\n");
            }
            c.awaitEndOfStream();
        })) {
            backendPort = backend.port();
            try (PopClient client = PopClient.connect(server.port(Pop3Protocol.NAME))) {
                client.readLine();
                switch (form) {
                    case USER_PASS -> {
                        client.send(concat(ascii("USER "), user, ascii("\r\n")));
                        assertThat(client.readLine()).isEqualTo("+OK");
                        client.send(concat(ascii("PASS "), password, ascii("\r\n")));
                    }
                    case AUTH_PLAIN -> client.send("AUTH PLAIN " + b64(concat(new byte[] {0}, user, new byte[] {0},
                            password)) + "\r\n");
                    case AUTH_LOGIN -> {
                        assertThat(client.command("AUTH LOGIN")).isEqualTo("+ VXNlcm5hbWU6");
                        assertThat(client.command(b64(user))).isEqualTo("+ UGFzc3dvcmQ6");
                        client.send(b64(password) + "\r\n");
                    }
                }
                assertThat(client.readLine()).startsWith("+OK");
            }
            backend.finish();
        }
        if (backendPlain) {
            assertThat(received).containsExactly(ascii("AUTH PLAIN "
                    + b64(concat(new byte[] {0}, user, new byte[] {0}, password))));
        } else {
            assertThat(received).containsExactly(concat(ascii("USER "), user), concat(ascii("PASS "), password));
        }
        assertThat(lookups).hasSize(1);
        assertThat(lookups.get(0).user()).isEqualTo("jä");
        assertThat(lookups.get(0).userBytes()).isEqualTo(user);
        assertThat(lookups.get(0).passwordBytes()).isEqualTo(password);
    }

    @Test
    void aNulInAUserNameOrPasswordNeverReachesThePassDb() {
        try (PopClient client = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            client.readLine();
            client.send(new byte[] {'U', 'S', 'E', 'R', ' ', 'b', 0, 'b', '\r', '\n'});
            assertThat(client.readLine()).startsWith("-ERR ");
            assertThat(client.command("AUTH PLAIN " + b64(new byte[] {0, 'b', 'o', 'b', 0, 'p', 0, 'w'})))
                    .startsWith("-ERR ");
            assertThat(client.command("AUTH LOGIN")).isEqualTo("+ VXNlcm5hbWU6");
            // the password is asked for all the same; the refusal is an ordinary failed login
            assertThat(client.command(b64(new byte[] {'b', 0, 'b'}))).isEqualTo("+ UGFzc3dvcmQ6");
            assertThat(client.command(b64(ascii("pw")))).isEqualTo("-ERR [AUTH] Authentication failed.");
            assertThat(client.command("QUIT")).isEqualTo("+OK Logging out.");
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
}
