package io.github.mailproxy.passdb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.passdb.http.NginxAuthServer.Behaviour;
import io.github.mailproxy.passdb.http.NginxAuthServer.User;
import io.github.mailproxy.pop3.Pop3Protocol;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * IMAP and POP3 clients → mailproxy with an {@link HttpPassDb} → two GreenMail backends, with the exact replies
 * for the auth server's refusals and failures.
 */
class HttpPassDbEndToEndTest {

    private MailWorld world;
    private final List<ProxyServer> servers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        world = new MailWorld();
        world.auth.add("waiter", new User("x", "127.0.0.1", 1, 1, null, null, Behaviour.WAIT_ONE_SECOND));
        world.auth.add("locked", new User("x", "127.0.0.1", 1, 1, null, null, Behaviour.ERROR_CODE_DISABLED));
        world.auth.add("hung", new User("x", "127.0.0.1", 1, 1, null, null, Behaviour.HANG));
    }

    @AfterEach
    void stop() {
        try {
            servers.forEach(LeakCheck::assertNothingLeaked);
        } finally {
            servers.forEach(ProxyServer::close);
            world.close();
        }
    }

    @Test
    void usersLandOnTheBackendTheAuthServerNames() {
        ProxyServer proxy = proxy(HttpPassDb.builder(world.auth.url()).build(), null);

        assertThat(MailWorld.whereDoesTheLoginLand("imap", proxy.port("imap"), "alice", "alice-secret")).isEqualTo("on A");
        assertThat(MailWorld.whereDoesTheLoginLand("pop3", proxy.port("pop3"), "bob", "bob-secret")).isEqualTo("on B");
        assertThat(MailWorld.whereDoesTheLoginLand("imap", proxy.port("imap"), "erin", "erin-secret"))
                .as("logged in at A as erin@backend with the auth server's password").isEqualTo("on A");
    }

    @Test
    void refusalsAndFailuresGetTheProtocolsReplies() throws IOException {
        ProxyServer proxy = proxy(HttpPassDb.builder(world.auth.url()).build(), null);

        assertThat(imapLogin(proxy, "alice", "wrong-password")).startsWith("a1 NO [AUTHENTICATIONFAILED]");
        assertThat(imapLogin(proxy, "broken", "x")).startsWith("a1 NO [UNAVAILABLE]");
        assertThat(imapLogin(proxy, "later", "x")).startsWith("a1 NO [UNAVAILABLE]");
        assertThat(imapLogin(proxy, "locked", "x")).isEqualTo("a1 NO [CONTACTADMIN] Account locked, call the help desk");
        assertThat(pop3Login(proxy, "alice", "wrong-password")).startsWith("-ERR [AUTH]");
        assertThat(pop3Login(proxy, "broken", "x")).startsWith("-ERR [SYS/TEMP]");
    }

    @Test
    void aHungAuthServerIsATemporaryFailureAfterTheTimeout() throws IOException {
        ProxyServer proxy = proxy(HttpPassDb.builder(world.auth.url()).timeout(Duration.ofMillis(300)).build(), null);

        assertThat(imapLogin(proxy, "hung", "x")).startsWith("a1 NO [UNAVAILABLE]");
        assertThat(pop3Login(proxy, "hung", "x")).startsWith("-ERR [SYS/TEMP]");
    }

    @Test
    void authWaitHoldsTheRefusalBack() throws IOException {
        ProxyServer proxy = proxy(HttpPassDb.builder(world.auth.url()).build(), null);

        long start = System.nanoTime();
        assertThat(imapLogin(proxy, "waiter", "x")).startsWith("a1 NO [AUTHENTICATIONFAILED]");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theAuthCacheAsksOnceForTheSamePasswordAndAgainForAnother() throws IOException {
        ProxyServer proxy = proxy(HttpPassDb.builder(world.auth.url()).build(), AuthCacheSpec.maximumSize(100));

        for (int i = 0; i < 3; i++) {
            assertThat(imapLogin(proxy, "alice", "alice-secret")).startsWith("a1 OK");
        }
        assertThat(imapLogin(proxy, "alice", "wrong-password")).startsWith("a1 NO [AUTHENTICATIONFAILED]");

        assertThat(world.auth.requests()).hasSize(2);
    }

    private ProxyServer proxy(HttpPassDb passDb, AuthCacheSpec cache) {
        ProxyServer.Builder builder = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authFailureDelay(Duration.ZERO);
        if (cache != null) {
            builder.authCache(cache);
        }
        ProxyServer server = builder.build();
        servers.add(server);
        return server.start();
    }

    private static String imapLogin(ProxyServer proxy, String user, String password) throws IOException {
        try (LineClient client = LineClient.connect(null, new InetSocketAddress("127.0.0.1", proxy.port(ImapProtocol.NAME)))) {
            assertThat(client.line()).startsWith("* OK");
            return client.command("a1 LOGIN \"" + user + "\" \"" + password + "\"");
        }
    }

    private static String pop3Login(ProxyServer proxy, String user, String password) throws IOException {
        try (LineClient client = LineClient.connect(null, new InetSocketAddress("127.0.0.1", proxy.port(Pop3Protocol.NAME)))) {
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.command("USER " + user)).startsWith("+OK");
            return client.command("PASS " + password);
        }
    }
}
