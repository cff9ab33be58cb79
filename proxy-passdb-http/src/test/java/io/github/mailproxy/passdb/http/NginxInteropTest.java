package io.github.mailproxy.passdb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import io.github.mailproxy.testing.LeakCheck;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proof of "unchanged": a real nginx mail proxy (Debian's nginx with {@code libnginx-mod-mail}, a private
 * instance on loopback) and mailproxy with an {@link HttpPassDb}, both asking the same auth server, route every
 * test user the same way (the same backend, or refused alike), and send the auth server the same headers.
 */
class NginxInteropTest {

    private static final String[] EXTRA_HEADER = {"X-Auth-Key", "k-123"};

    private static MailWorld world;
    private static PrivateNginx nginx;
    private static ProxyServer mailproxy;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        world = new MailWorld();
        nginx = PrivateNginx.start(dir, world.auth.url(), EXTRA_HEADER);
        mailproxy = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(HttpPassDb.builder(world.auth.url()).header(EXTRA_HEADER[0], EXTRA_HEADER[1]).build())
                .authFailureDelay(Duration.ZERO)
                .build().start();
    }

    @AfterAll
    static void stop() {
        try {
            if (mailproxy != null) {
                LeakCheck.assertNothingLeaked(mailproxy);
            }
        } finally {
            if (mailproxy != null) {
                mailproxy.close();
            }
            if (nginx != null) {
                nginx.close();
            }
            if (world != null) {
                world.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"imap", "pop3"})
    void everyUserLandsWhereNginxSendsItAndTheAuthServerSeesTheSameRequest(String protocol) {
        List<String> viaNginx = new ArrayList<>();
        List<String> viaMailproxy = new ArrayList<>();
        for (String[] login : MailWorld.LOGINS) {
            world.auth.clearRequests();
            viaNginx.add(login[0] + ": " + MailWorld.whereDoesTheLoginLand(protocol,
                    protocol.equals("imap") ? nginx.imapPort() : nginx.pop3Port(), login[0], login[1]));
            List<Map<String, String>> nginxAsked = authHeaders();
            world.auth.clearRequests();
            viaMailproxy.add(login[0] + ": " + MailWorld.whereDoesTheLoginLand(protocol,
                    mailproxy.port(protocol), login[0], login[1]));
            List<Map<String, String>> mailproxyAsked = authHeaders();
            assertThat(mailproxyAsked).as("what the auth server was asked for %s over %s; nginx's log: %s",
                    login[0], protocol, nginx.log()).isEqualTo(nginxAsked);
        }

        assertThat(viaMailproxy).as("the routes are told apart at all").containsExactly(
                "alice: on A", "bob: on B", "dora%41x: on B", "erin: on A",
                "alice: refused", "nobody: refused", "broken: refused", "later: refused");
        List<String> expectedOfNginx = new ArrayList<>(viaMailproxy);
        if (protocol.equals("pop3")) {
            // the one difference is the backend's: nginx routes dora as mailproxy does (the auth server saw the
            // same request, above), then logs in with PASS, which GreenMail splits at the space (RFC 1939 allows
            // spaces in a password); mailproxy logs in with AUTH PLAIN, as GreenMail lists no USER in CAPA
            expectedOfNginx.set(2, "dora%41x: refused");
        }
        assertThat(viaNginx).as("nginx's log: %s", nginx.log()).isEqualTo(expectedOfNginx);
    }

    /** The auth-protocol headers of the requests so far: nginx's own and the configured one, not the HTTP client's. */
    private static List<Map<String, String>> authHeaders() {
        List<Map<String, String>> all = new ArrayList<>();
        for (Map<String, String> request : world.auth.requests()) {
            Map<String, String> kept = new TreeMap<>();
            request.forEach((k, v) -> {
                if (k.startsWith("auth-") || k.startsWith("client-") || k.equals("x-auth-key")) {
                    kept.put(k, v);
                }
            });
            all.add(kept);
        }
        return all;
    }
}
