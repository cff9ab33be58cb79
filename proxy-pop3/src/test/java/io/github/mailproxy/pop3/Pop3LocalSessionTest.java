package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.Listener;
import io.github.mailproxy.LocalStreams;
import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.LocalEcho;
import io.github.mailproxy.testing.TestTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POP3 users served in-process by a local handler, plain and after STLS, and proxy_maybe to another host. */
class Pop3LocalSessionTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private final LocalEcho echo = new LocalEcho();
    private GreenMailBackend greenMail;
    private ProxyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            LeakCheck.assertNothingLeaked(server);
            server.close();
        }
        if (greenMail != null) {
            greenMail.close();
        }
        threads.shutdownNow();
    }

    private void start(Listener listener, String passDb, boolean handler) {
        ProxyServer.Builder b = ProxyServer.builder().listen(listener).passDb(StaticPassDb.parse(passDb))
                .plaintextAuth(PlaintextAuth.ALWAYS).sessionListener(events::add).eventLoops(1);
        if (handler) {
            b.localHandler(Pop3Protocol.NAME, LocalStreams.handler(List.of("IGNORED"), threads, echo));
        }
        server = b.build().start();
    }

    private InetSocketAddress proxy() {
        return new InetSocketAddress("127.0.0.1", server.port(Pop3Protocol.NAME));
    }

    private SessionEvent event() {
        Await.until("the session event", Duration.ofSeconds(10), () -> !events.isEmpty());
        return events.get(0);
    }

    private void pipelinedLoginServedLocally(LineClient c, boolean secured) throws Exception {
        c.send("USER bob\r\nPASS pw\r\nSTAT\r\nQUIT\r\n");
        assertThat(c.line()).isEqualTo("+OK");
        assertThat(c.line()).isEqualTo("+OK Logged in.");
        assertThat(c.line()).isEqualTo("* ECHO STAT");
        assertThat(c.line()).isEqualTo("* BYE");
        assertThat(c.line()).isNull();
        assertThat(echo.served.poll(10, TimeUnit.SECONDS))
                .isEqualTo(new LocalEcho.Served("bob", "pop3", null, secured, "127.0.0.1", List.of("STAT", "QUIT")));
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.LOCAL);
        assertThat(event().bytesFromClient()).isEqualTo("STAT\r\nQUIT\r\n".length());
    }

    @Test
    void aLocalUserGetsTheProxysOkAndTheHandlerGetsWhatWasPipelinedBehindPass() throws Exception {
        start(Pop3Protocol.plain(LOOPBACK), "password={PLAIN}pw", true);
        try (LineClient c = LineClient.connect(null, proxy())) {
            assertThat(c.line()).startsWith("+OK");
            pipelinedLoginServedLocally(c, false);
        }
    }

    @Test
    void aLocalUserAfterStlsIsServedInTheClearByTheHandler() throws Exception {
        start(Pop3Protocol.starttls(LOOPBACK, TestTls.serverContext()), "password={PLAIN}pw", true);
        try (LineClient plain = LineClient.connect(null, proxy())) {
            assertThat(plain.line()).startsWith("+OK");
            assertThat(plain.command("STLS")).startsWith("+OK");
            try (LineClient c = plain.startTls(TestTls.clientContext())) {
                pipelinedLoginServedLocally(c, true);
            }
        }
    }

    @Test
    void withoutALocalHandlerALocalUserGetsATemporaryFailureAndTheLogSaysWhy() throws Exception {
        start(Pop3Protocol.plain(LOOPBACK), "password={PLAIN}pw", false);
        try (LogCapture log = new LogCapture(); LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            c.command("USER bob");
            assertThat(c.command("PASS pw")).startsWith("-ERR [SYS/TEMP]");
            assertThat(c.command("QUIT")).startsWith("+OK");
            assertThat(log.text()).contains("msg=\"local user, but no local handler for the protocol\" protocol=pop3");
        }
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void proxyMaybeToAnotherHostIsProxiedEvenWithALocalHandler() throws Exception {
        greenMail = new GreenMailBackend();
        greenMail.user("bob", "pw-bob");
        start(Pop3Protocol.plain(LOOPBACK), "proxy_maybe=y host=127.0.0.1 port=" + greenMail.port() + " nopassword=y", true);
        try (LineClient c = LineClient.connect(null, proxy())) {
            c.line();
            c.command("USER bob");
            assertThat(c.command("PASS pw-bob")).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 0");
            assertThat(c.command("QUIT")).startsWith("+OK");
        }
        assertThat(echo.served).isEmpty();
        assertThat(event().outcome()).isEqualTo(SessionEvent.Outcome.PROXIED);
    }
}
