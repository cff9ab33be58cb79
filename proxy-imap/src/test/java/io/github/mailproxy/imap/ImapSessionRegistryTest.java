package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.LoginEvent;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.ProxyStats;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.SessionInfo;
import io.github.mailproxy.SessionInfo.State;
import io.github.mailproxy.SessionListener;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.RudeBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 through real sockets: {@link ProxyServer#sessions()} shows sessions in each phase with
 * their user, backend and exact byte counts; kicks by user, backend and id end exactly the matching
 * sessions (an IMAP client reads {@code * BYE reason}) and report {@code KICKED}; the listener events
 * come in order; the per-protocol counters are exact; a failing listener breaks nothing.
 */
class ImapSessionRegistryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private GreenMail greenMail;
    private ProxyServer server;
    private int port;
    private final Map<String, CompletableFuture<PassDbResult>> held = new ConcurrentHashMap<>();
    private volatile int silentBackendPort;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<LoginEvent> logins = new CopyOnWriteArrayList<>();
    private final List<SessionEvent> closes = new CopyOnWriteArrayList<>();

    /** Routes by user name: what each outcome needs. */
    private CompletionStage<PassDbResult> route(AuthRequest request) {
        String user = request.user();
        int greenPort = TestBackend.imapPort(greenMail);
        return switch (user) {
            case "alice", "bob" -> found("proxy=y host=127.0.0.1 port=" + greenPort + " nopassword=y");
            case "carol" -> found("proxy=y host=localhost port=" + greenPort + " nopassword=y");
            case "referred" -> found("host=imap.example.org nopassword=y");
            case "down" -> found("proxy=y host=127.0.0.1 port=" + TestBackend.closedPort() + " nopassword=y");
            case "stuck" -> found("proxy=y host=127.0.0.1 port=" + silentBackendPort + " nopassword=y");
            case "tempfail" -> CompletableFuture.completedFuture(PassDbResult.temporaryFailure("test"));
            case "slow" -> held.computeIfAbsent(user, u -> new CompletableFuture<>());
            default -> CompletableFuture.completedFuture(PassDbResult.notFound());
        };
    }

    private static CompletionStage<PassDbResult> found(String fields) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (String pair : fields.split(" ")) {
            int eq = pair.indexOf('=');
            map.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return CompletableFuture.completedFuture(PassDbResult.found(map));
    }

    @BeforeEach
    void start() {
        greenMail = TestBackend.startGreenMail();
        for (String user : List.of("alice", "bob", "carol")) {
            greenMail.setUser(user + "@example.org", user, "pw-" + user);
        }
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
        SessionListener recorder = new SessionListener() {
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
            public void sessionClosed(SessionEvent event) {
                closes.add(event);
                events.add(event.sessionId() + " closed " + event.outcome());
            }
        };
        server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authFailureDelay(Duration.ZERO)
                .addSessionListener(new SessionListener() {
                    @Override
                    public void sessionOpened(SessionInfo session) {
                        throw new IllegalStateException("a broken listener");
                    }

                    @Override
                    public void loginDecided(LoginEvent event) {
                        throw new IllegalStateException("a broken listener");
                    }

                    @Override
                    public void sessionClosed(SessionEvent event) {
                        throw new IllegalStateException("a broken listener");
                    }
                })
                .addSessionListener(recorder)
                .build()
                .start();
        port = server.port(ImapProtocol.NAME);
    }

    @AfterEach
    void stop() {
        try {
            Await.until("every session closed", DEADLINE, () -> server.sessions().isEmpty());
            LeakCheck.assertNothingLeaked(server);
        } finally {
            server.close();
            greenMail.stop();
        }
    }

    private RawImapClient connect() throws IOException {
        RawImapClient client = new RawImapClient(port);
        assertThat(client.readLine()).startsWith("* OK ");
        return client;
    }

    private RawImapClient loggedIn(String user) throws IOException {
        RawImapClient client = connect();
        client.send("a LOGIN " + user + " pw-" + user + "\r\n");
        assertThat(client.tagged("a")).startsWith("a OK");
        return client;
    }

    private SessionInfo sessionOf(RawImapClient client) {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", client.localPort());
        java.util.concurrent.atomic.AtomicReference<SessionInfo> found = new java.util.concurrent.atomic.AtomicReference<>();
        Await.until(() -> "a session of " + address + " in " + server.sessions(), DEADLINE, () -> {
            server.sessions().stream().filter(s -> address.equals(s.clientAddress())).findFirst().ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    private SessionInfo awaitState(RawImapClient client, State state) {
        Await.until(() -> "state " + state + " of " + sessionOf(client), DEADLINE, () -> sessionOf(client).state() == state);
        return sessionOf(client);
    }

    private SessionEvent awaitClose(String id) {
        Await.until("the close of " + id, DEADLINE, () -> closes.stream().anyMatch(e -> e.sessionId().equals(id)));
        return closes.stream().filter(e -> e.sessionId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void sessionsShowEachPhaseWithUserBackendAndExactBytes() throws Exception {
        try (RudeBackend silent = RudeBackend.serve(c -> c.awaitEndOfStream());
             RawImapClient idle = connect();
             RawImapClient slow = connect();
             RawImapClient stuck = connect();
             RawImapClient alice = loggedIn("alice")) {
            silentBackendPort = silent.port();
            SessionInfo idleInfo = awaitState(idle, State.PRE_LOGIN);
            assertThat(idleInfo.user()).isNull();
            assertThat(idleInfo.backendHost()).isNull();
            assertThat(idleInfo.protocol()).isEqualTo("imap");

            slow.send("s LOGIN slow pw\r\n");
            SessionInfo slowInfo = awaitState(slow, State.AUTHENTICATING);
            assertThat(slowInfo.user()).isEqualTo("slow");
            assertThat(slowInfo.backendHost()).isNull();

            stuck.send("t LOGIN stuck pw\r\n");
            SessionInfo stuckInfo = awaitState(stuck, State.BACKEND_LOGIN);
            Await.until("connected to the silent backend", DEADLINE, () -> sessionOf(stuck).backendAddress() != null);
            stuckInfo = sessionOf(stuck);
            assertThat(stuckInfo.backendHost()).isEqualTo("127.0.0.1");
            assertThat(stuckInfo.backendAddress().getPort()).isEqualTo(silent.port());

            byte[] command = "n NOOP\r\n".getBytes(StandardCharsets.US_ASCII);
            alice.send(command);
            long replyBytes = 0;
            for (String line : alice.readUntilTagged("n")) {
                replyBytes += line.getBytes(StandardCharsets.UTF_8).length + 2;
            }
            long expectedOut = replyBytes;
            Await.until("bytes counted", DEADLINE, () -> sessionOf(alice).bytesToClient() == expectedOut);
            SessionInfo aliceInfo = sessionOf(alice);
            assertThat(aliceInfo.state()).isEqualTo(State.PROXYING);
            assertThat(aliceInfo.user()).isEqualTo("alice");
            assertThat(aliceInfo.backendHost()).isEqualTo("127.0.0.1");
            assertThat(aliceInfo.backendAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", TestBackend.imapPort(greenMail)));
            assertThat(aliceInfo.bytesFromClient()).isEqualTo(command.length);
            assertThat(aliceInfo.bytesToClient()).isEqualTo(expectedOut);
            assertThat(aliceInfo.started()).isBeforeOrEqualTo(java.time.Instant.now());
            assertThat(server.stats().openSessions("imap")).isEqualTo(4);

            held.get("slow").complete(PassDbResult.notFound());
            assertThat(slow.tagged("s")).startsWith("s NO ");
            assertThat(awaitState(slow, State.PRE_LOGIN).user()).isEqualTo("slow");
        }
    }

    @Test
    void kickByUserEndsExactlyThatUsersSessionsWithByeAndKicked() throws Exception {
        try (RawImapClient alice1 = loggedIn("alice");
             RawImapClient alice2 = loggedIn("alice");
             RawImapClient bob = loggedIn("bob");
             RawImapClient anonymous = connect()) {
            String a1 = sessionOf(alice1).id();
            String a2 = sessionOf(alice2).id();
            String b = sessionOf(bob).id();
            awaitState(alice1, State.PROXYING);
            awaitState(alice2, State.PROXYING);

            assertThat(server.kickUser("alice", "Mailbox moves, log in again")).isEqualTo(2);

            assertThat(alice1.readLine()).isEqualTo("* BYE Mailbox moves, log in again");
            assertThat(alice1.closedByServer()).isTrue();
            assertThat(alice2.readLine()).isEqualTo("* BYE Mailbox moves, log in again");
            assertThat(alice2.closedByServer()).isTrue();
            assertThat(awaitClose(a1).outcome()).isEqualTo(Outcome.KICKED);
            assertThat(awaitClose(a2).outcome()).isEqualTo(Outcome.KICKED);
            assertThat(awaitClose(a2).user()).isEqualTo("alice");

            bob.send("n NOOP\r\n");
            assertThat(bob.tagged("n")).startsWith("n OK");
            anonymous.send("c CAPABILITY\r\n");
            assertThat(anonymous.tagged("c")).startsWith("c OK");
            assertThat(server.sessions()).extracting(SessionInfo::id).contains(b).doesNotContain(a1, a2);
            assertThat(server.kickUser("nobody", "x")).isZero();
        }
    }

    @Test
    void kickByBackendHostOrAddressAndById() throws Exception {
        try (RawImapClient carol = loggedIn("carol");
             RawImapClient alice = loggedIn("alice");
             RawImapClient waiting = connect()) {
            awaitState(carol, State.PROXYING);
            awaitState(alice, State.PROXYING);
            assertThat(sessionOf(carol).backendHost()).isEqualTo("localhost");

            assertThat(server.kickBackend("LOCALHOST", "Backend maintenance")).isEqualTo(1);
            assertThat(carol.readLine()).isEqualTo("* BYE Backend maintenance");
            assertThat(carol.closedByServer()).isTrue();
            alice.send("n NOOP\r\n");
            assertThat(alice.tagged("n")).startsWith("n OK");

            // by the backend's address as text: alice's PassDb named it, carol's named localhost
            try (RawImapClient carol2 = loggedIn("carol")) {
                awaitState(carol2, State.PROXYING);
                String aliceId = sessionOf(alice).id();
                String carolId = sessionOf(carol2).id();
                assertThat(server.kickBackend("127.0.0.1", "Backend maintenance")).isEqualTo(2);
                assertThat(alice.readLine()).isEqualTo("* BYE Backend maintenance");
                assertThat(carol2.readLine()).isEqualTo("* BYE Backend maintenance");
                assertThat(awaitClose(aliceId).outcome()).isEqualTo(Outcome.KICKED);
                assertThat(awaitClose(carolId).outcome()).isEqualTo(Outcome.KICKED);
            }

            // before login, by id: the BYE as greeting-time goodbye
            String waitingId = sessionOf(waiting).id();
            assertThat(server.kickSession(waitingId, "Go\r\naway")).isTrue();
            assertThat(waiting.readLine()).isEqualTo("* BYE Go??away");
            assertThat(waiting.closedByServer()).isTrue();
            assertThat(awaitClose(waitingId).outcome()).isEqualTo(Outcome.KICKED);
            assertThat(server.kickSession(waitingId, "again")).isFalse();
        }
    }

    @Test
    void aKickInTheMiddleOfAResponseClosesWithoutBye() throws Exception {
        byte[] half = "* 1 FETCH (BODY[] {100}\r\nSubject: half\r\n".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try (RudeBackend backend = RudeBackend.serve(c -> {
            c.send("* OK [CAPABILITY IMAP4rev1] scripted ready\r\n");
            c.readLine();  // the proxy's LOGIN
            c.send("mp1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
            c.readLine();  // the FETCH
            c.send(half);
            sent.complete(null);
            c.awaitEndOfStream();
        })) {
            silentBackendPort = backend.port();
            try (RawImapClient client = connect()) {
                client.send("a LOGIN stuck pw\r\n");
                assertThat(client.tagged("a")).startsWith("a OK");
                client.send("f FETCH 1 BODY[]\r\n");
                assertThat(client.readLine()).isEqualTo("* 1 FETCH (BODY[] {100}");
                assertThat(client.readLine()).isEqualTo("Subject: half");
                String id = sessionOf(client).id();
                Await.until("all relayed", DEADLINE, () -> sessionOf(client).bytesToClient() >= half.length);

                assertThat(server.kickSession(id, "Kicked")).isTrue();

                assertThat(client.readLine()).as("nothing inside the literal").isNull();
                assertThat(awaitClose(id).outcome()).isEqualTo(Outcome.KICKED);
            }
            backend.finish();
        }
    }

    @Test
    void countersAndEventsAreExactForEachOutcome() throws Exception {
        int n = 3;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (String user : List.of("alice", "nobody", "tempfail", "down", "referred")) {
                try (RawImapClient client = connect()) {
                    ids.add(sessionOf(client).id());
                    client.send("a LOGIN " + user + " pw-" + user + "\r\n");
                    String reply = client.tagged("a");
                    if (user.equals("alice")) {
                        assertThat(reply).startsWith("a OK");
                    } else {
                        assertThat(reply).as(user).startsWith("a NO");
                        client.send("b LOGOUT\r\n");
                        client.tagged("b");
                    }
                }
            }
        }
        Await.until("every session closed", DEADLINE, () -> closes.size() == ids.size());
        ProxyStats stats = server.stats();
        assertThat(stats.logins("imap", Outcome.PROXIED)).isEqualTo(n);
        assertThat(stats.logins("imap", Outcome.AUTH_FAILED)).isEqualTo(n);
        assertThat(stats.logins("imap", Outcome.TEMPORARY_FAILURE)).isEqualTo(2L * n);
        assertThat(stats.logins("imap", Outcome.REFERRED)).isEqualTo(n);
        assertThat(stats.logins("pop3", Outcome.PROXIED)).isZero();
        assertThat(stats.sessionsClosed("imap", Outcome.PROXIED)).isEqualTo(n);
        assertThat(stats.openSessions("imap")).isZero();

        for (String id : ids) {
            List<String> mine = events.stream().filter(e -> e.startsWith(id + " ")).map(e -> e.substring(id.length() + 1)).toList();
            assertThat(mine).as(id).hasSize(3);
            assertThat(mine.get(0)).isEqualTo("opened");
            assertThat(mine.get(1)).startsWith("decided ");
            assertThat(mine.get(2)).startsWith("closed ");
        }
        LoginEvent proxied = logins.stream().filter(e -> e.outcome() == Outcome.PROXIED).findFirst().orElseThrow();
        assertThat(proxied.backendHost()).isEqualTo("127.0.0.1");
        assertThat(proxied.backendAddress().getPort()).isEqualTo(TestBackend.imapPort(greenMail));
        assertThat(proxied.passDbLookup()).isNotNull();
        assertThat(proxied.backendLogin()).isNotNull().isPositive();
        assertThat(proxied.user()).isEqualTo("alice");
        LoginEvent down = logins.stream().filter(e -> "down".equals(e.user())).findFirst().orElseThrow();
        assertThat(down.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(down.backendHost()).isEqualTo("127.0.0.1");
        assertThat(down.backendAddress()).isNull();
        assertThat(down.backendLogin()).isNotNull();
        LoginEvent failed = logins.stream().filter(e -> "nobody".equals(e.user())).findFirst().orElseThrow();
        assertThat(failed.backendHost()).isNull();
        assertThat(failed.backendLogin()).isNull();
        assertThat(failed.passDbLookup()).isNotNull();
    }
}
