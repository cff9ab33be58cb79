package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ProxyStats;
import io.github.mailproxy.RefusalCause;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.SessionInfo.State;
import io.github.mailproxy.SessionListener;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 for POP3 through real sockets: the registry shows a relayed session with its bytes; a kick
 * ends exactly the matching sessions, before login with {@code -ERR reason}, while relaying without a
 * word (POP3 has no unsolicited replies); counters and events are exact per outcome; refusals by a
 * connection limit reach the listeners.
 */
class Pop3SessionRegistryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private GreenMailBackend backend;
    private ProxyServer server;
    private InetSocketAddress proxy;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<LoginEvent> logins = new CopyOnWriteArrayList<>();
    private final List<SessionEvent> closes = new CopyOnWriteArrayList<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();

    private final SessionListener recorder = new SessionListener() {
        @Override
        public void sessionOpened(SessionInfo session) {
            events.add(session.id() + " opened");
        }

        @Override
        public void loginDecided(LoginEvent event) {
            logins.add(event);
            events.add(event.sessionId() + " decided " + event.outcome());
        }

        @Override
        public void connectionRefused(String protocol, RefusalCause cause) {
            refusals.add(protocol + " " + cause);
        }

        @Override
        public void sessionClosed(SessionEvent event) {
            closes.add(event);
            events.add(event.sessionId() + " closed " + event.outcome());
        }
    };

    private CompletionStage<PassDbResult> route(AuthRequest request) {
        Map<String, String> proxied = Map.of("proxy", "y", "host", "127.0.0.1", "port", String.valueOf(backend.port()),
                "nopassword", "y");
        return CompletableFuture.completedFuture(switch (request.user()) {
            case "alice", "bob" -> PassDbResult.found(proxied);
            case "referred" -> PassDbResult.found(Map.of("host", "pop.example.org", "nopassword", "y"));
            case "tempfail" -> PassDbResult.temporaryFailure("test");
            default -> PassDbResult.notFound();
        });
    }

    @BeforeEach
    void start() {
        backend = new GreenMailBackend();
        backend.user("alice", "pw-alice").deliver(GreenMailBackend.message("alice@example.org", "hi", "for alice"));
        backend.user("bob", "pw-bob");
        PassDb passDb = new PassDb() {
            @Override
            public CompletionStage<PassDbResult> lookup(AuthRequest request) {
                return route(request);
            }

            @Override
            public boolean nonBlocking() {
                return true;
            }
        };
        server = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authFailureDelay(Duration.ZERO)
                .addSessionListener(recorder)
                .build()
                .start();
        proxy = new InetSocketAddress("127.0.0.1", server.port(Pop3Protocol.NAME));
    }

    @AfterEach
    void stop() {
        try {
            Await.until("every session closed", DEADLINE, () -> server.sessions().isEmpty());
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            backend.close();
        }
    }

    private LineClient connect() throws IOException {
        LineClient client = LineClient.connect(null, proxy);
        assertThat(client.line()).startsWith("+OK");
        return client;
    }

    private LineClient loggedIn(String user) throws IOException {
        LineClient client = connect();
        assertThat(client.command("USER " + user)).startsWith("+OK");
        assertThat(client.command("PASS pw-" + user)).startsWith("+OK");
        return client;
    }

    private SessionInfo only(String user) {
        java.util.concurrent.atomic.AtomicReference<SessionInfo> found = new java.util.concurrent.atomic.AtomicReference<>();
        Await.until(() -> "a session of " + user + " in " + server.sessions(), DEADLINE, () -> {
            server.sessions().stream().filter(s -> user.equals(s.user()) && s.state() == State.PROXYING)
                    .findFirst().ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    private SessionEvent awaitClose(String id) {
        Await.until("the close of " + id, DEADLINE, () -> closes.stream().anyMatch(e -> e.sessionId().equals(id)));
        return closes.stream().filter(e -> e.sessionId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aRelayedSessionShowsItsBytesAndAKickClosesItWithoutAWord() throws Exception {
        try (LineClient alice = loggedIn("alice"); LineClient bob = loggedIn("bob"); LineClient anonymous = connect()) {
            String stat = alice.command("STAT");
            assertThat(stat).startsWith("+OK 1 ");
            long out = stat.length() + 2;
            Await.until("bytes counted", DEADLINE, () -> only("alice").bytesToClient() == out);
            SessionInfo info = only("alice");
            assertThat(info.protocol()).isEqualTo("pop3");
            assertThat(info.bytesFromClient()).isEqualTo("STAT\r\n".length());
            assertThat(info.backendHost()).isEqualTo("127.0.0.1");
            assertThat(info.backendAddress().getPort()).isEqualTo(backend.port());
            assertThat(server.sessions()).hasSize(3);
            assertThat(server.stats().openSessions("pop3")).isEqualTo(3);

            assertThat(server.kickUser("alice", "Mailbox moves")).isEqualTo(1);

            assertThat(alice.line()).as("no unsolicited line in POP3").isNull();
            assertThat(awaitClose(info.id()).outcome()).isEqualTo(Outcome.KICKED);
            assertThat(bob.command("STAT")).startsWith("+OK 0 ");
            assertThat(anonymous.command("CAPA")).startsWith("+OK");
            anonymous.line();  // the rest of CAPA is not the point
        }
    }

    @Test
    void aKickBeforeLoginSaysErrWithTheReason() throws Exception {
        try (LineClient client = connect()) {
            SessionInfo[] info = new SessionInfo[1];
            Await.until("the session", DEADLINE, () -> {
                info[0] = server.sessions().stream().findFirst().orElse(null);
                return info[0] != null;
            });
            assertThat(info[0].state()).isEqualTo(State.PRE_LOGIN);

            assertThat(server.kickSession(info[0].id(), "Server moves")).isTrue();

            assertThat(client.line()).isEqualTo("-ERR Server moves");
            assertThat(client.line()).isNull();
            assertThat(awaitClose(info[0].id()).outcome()).isEqualTo(Outcome.KICKED);
        }
    }

    @Test
    void countersAndEventsAreExactForEachOutcome() throws Exception {
        int n = 3;
        for (int i = 0; i < n; i++) {
            for (String user : List.of("alice", "nobody", "tempfail", "referred")) {
                try (LineClient client = connect()) {
                    assertThat(client.command("USER " + user)).startsWith("+OK");
                    String reply = client.command("PASS pw-" + user);
                    assertThat(reply).as(user).startsWith(user.equals("alice") ? "+OK" : "-ERR");
                    assertThat(client.command("QUIT")).startsWith("+OK");
                }
            }
        }
        Await.until("every session closed", DEADLINE, () -> closes.size() == 4 * n);
        ProxyStats stats = server.stats();
        assertThat(stats.logins("pop3", Outcome.PROXIED)).isEqualTo(n);
        // POP3 has no referrals: a referred login is refused, and reported as the client saw it
        assertThat(stats.logins("pop3", Outcome.AUTH_FAILED)).isEqualTo(2L * n);
        assertThat(stats.logins("pop3", Outcome.TEMPORARY_FAILURE)).isEqualTo(n);
        assertThat(stats.logins("pop3", Outcome.REFERRED)).isZero();
        assertThat(stats.sessionsClosed("pop3", Outcome.PROXIED)).isEqualTo(n);
        assertThat(stats.openSessions("pop3")).isZero();
        assertThat(logins).hasSize(4 * n);
        for (SessionEvent close : closes) {
            List<String> mine = events.stream().filter(e -> e.startsWith(close.sessionId() + " "))
                    .map(e -> e.substring(close.sessionId().length() + 1)).toList();
            assertThat(mine).as(close.sessionId()).hasSize(3);
            assertThat(mine.get(0)).isEqualTo("opened");
            assertThat(mine.get(1)).startsWith("decided ");
            assertThat(mine.get(2)).isEqualTo("closed " + close.outcome());
        }
    }

    @Test
    void aConnectionOverTheLimitIsOpenedRefusedAndClosed() throws Exception {
        ProxyServer limited = ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=9 nopassword=y"))
                .maxConnections(1)
                .addSessionListener(recorder)
                .build()
                .start();
        try {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", limited.port(Pop3Protocol.NAME));
            try (LineClient first = LineClient.connect(null, address)) {
                assertThat(first.line()).startsWith("+OK");
                try (LineClient second = LineClient.connect(null, address)) {
                    assertThat(second.line()).startsWith("-ERR [SYS/TEMP]");
                    assertThat(second.line()).isNull();
                }
                Await.until("the refused session closed", DEADLINE, () -> closes.size() == 1);
            }
            assertThat(refusals).containsExactly("pop3 MAX_CONNECTIONS");
            String id = closes.get(0).sessionId();
            assertThat(events.stream().filter(e -> e.startsWith(id + " "))).containsExactly(id + " opened",
                    id + " closed NO_LOGIN");
        } finally {
            limited.close();
        }
    }
}
