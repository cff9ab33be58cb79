package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.dovecot.PrivateDovecot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two proxies behind a real HAProxy (Debian's, a private instance: its own configuration in a temporary
 * directory, loopback ports, {@code mode tcp}, {@code send-proxy-v2}, health checks with
 * {@code check-send-proxy}), in front of a real Dovecot's {@code haproxy = yes} listener: the client's
 * address and port reach Dovecot's log through both hops, logins spread over both proxies, and once
 * HAProxy has marked a stopped proxy down (read from its stats socket, never guessed with a sleep) no
 * new login fails.
 */
class ImapBehindHaproxyTest {

    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static PrivateDovecot dovecot;
    private static Path dir;
    private static Process haproxy;
    private static int frontendPort;
    private static final ProxyServer[] proxies = new ProxyServer[2];
    private static final AtomicInteger[] proxied = {new AtomicInteger(), new AtomicInteger()};

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(HAPROXY) || !PrivateDovecot.installed()) {
            throw new IllegalStateException("HAProxy and Dovecot are needed: apt-get install haproxy dovecot-imapd "
                    + "dovecot-pop3d (.ci/run does this)");
        }
        dovecot = PrivateDovecot.builder().user("alice", "dovecot-alice").haproxy().start();
        for (int i = 0; i < 2; i++) {
            AtomicInteger count = proxied[i];
            proxies[i] = ProxyServer.builder()
                    .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)).withHaproxy())
                    .haproxyTrustedNetworks("127.0.0.1")
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + dovecot.imapHaproxyPort() + " nopassword=y"))
                    .backendHaproxy(true)
                    .sessionListener(e -> {
                        if (e.outcome() == SessionEvent.Outcome.PROXIED) {
                            count.incrementAndGet();
                        }
                    })
                    .build()
                    .start();
        }
        dir = Files.createTempDirectory(Path.of("/tmp"), "hap");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            frontendPort = probe.getLocalPort();
        }
        Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n",
                "global",
                "  stats socket " + dir.resolve("stats.sock") + " mode 600 level admin",
                "defaults",
                "  mode tcp",
                "  timeout connect 2s",
                "  timeout client 30s",
                "  timeout server 30s",
                "frontend imap",
                "  bind 127.0.0.1:" + frontendPort,
                "  default_backend proxies",
                "backend proxies",
                "  balance roundrobin",
                server("p0", proxies[0]),
                server("p1", proxies[1]),
                ""));
        haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        Await.until(() -> "HAProxy to see both proxies up; its output: " + output(), DEADLINE,
                () -> status("p0").equals("UP") && status("p1").equals("UP"));
    }

    private static String server(String name, ProxyServer proxy) {
        return "  server " + name + " 127.0.0.1:" + proxy.port(ImapProtocol.NAME)
                + " send-proxy-v2 check check-send-proxy inter 100ms fall 1 rise 1";
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProxyServer p : proxies) {
            if (p != null) {
                p.close();
            }
        }
        if (dovecot != null) {
            dovecot.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static String output() {
        try {
            return Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** @return a server's status as HAProxy's {@code show stat} gives it ({@code UP}, {@code DOWN}, ...) */
    private static String status(String server) {
        try (SocketChannel stats = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stats.connect(UnixDomainSocketAddress.of(dir.resolve("stats.sock")));
            stats.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
            String csv = new String(readAll(stats), StandardCharsets.US_ASCII);
            List<String> header = List.of(csv.lines().findFirst().orElse("").replace("# ", "").split(","));
            int column = header.indexOf("status");
            return csv.lines().map(l -> l.split(",", -1)).filter(f -> f.length > column && f[0].equals("proxies")
                    && f[1].equals(server)).map(f -> f[column]).findFirst().orElse("?");
        } catch (IOException e) {
            return "no stats socket yet: " + e;
        }
    }

    private static byte[] readAll(SocketChannel channel) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (channel.read(buf) >= 0) {
            buf.flip();
            out.write(buf.array(), 0, buf.limit());
            buf.clear();
        }
        return out.toByteArray();
    }

    /** Logs in through HAProxy and checks that Dovecot logged this very client's port. */
    private static void loginThroughHaproxy() throws IOException {
        try (RawImapClient client = new RawImapClient(frontendPort)) {
            assertThat(client.readLine()).startsWith("* OK");
            client.send("a LOGIN alice dovecot-alice\r\n");
            assertThat(client.tagged("a")).startsWith("a OK");
            dovecot.awaitLog(Pattern.compile("imap-login: Info: Login: user=<alice>, method=PLAIN, rip=127\\.0\\.0\\.1, "
                    + "rport=" + client.localPort() + ", lip=127\\.0\\.0\\.1, lport=" + frontendPort + ","), DEADLINE);
            client.send("b LOGOUT\r\n");
            client.tagged("b");
        }
    }

    @Test
    void aForgedHeaderFromBesideTheBalancerIsRefused() throws Exception {
        try (java.net.Socket forger = new java.net.Socket()) {
            forger.setSoTimeout(10_000);
            forger.bind(new InetSocketAddress("127.0.0.2", 0));
            forger.connect(new InetSocketAddress("127.0.0.1", proxies[1].port(ImapProtocol.NAME)));
            try {
                forger.getOutputStream().write("PROXY TCP4 192.0.2.7 127.0.0.1 4711 143\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(forger.getInputStream().read()).as("closed without a greeting").isEqualTo(-1);
            } catch (java.net.SocketException reset) {
                // closed before the header arrived: reset, still without a greeting
            }
        }
        assertThat(dovecot.log()).doesNotContain("rip=192.0.2.7");
    }

    @Test
    void loginsSpreadOverBothProxiesAndSurviveOneStopping() throws Exception {
        for (int i = 0; i < 4; i++) {
            loginThroughHaproxy();
        }
        Await.until("both proxies to have proxied", DEADLINE, () -> proxied[0].get() > 0 && proxied[1].get() > 0);
        proxies[0].close();
        Await.until(() -> "HAProxy to mark p0 down: " + status("p0"), DEADLINE, () -> status("p0").equals("DOWN"));
        int before = proxied[1].get();
        for (int i = 0; i < 4; i++) {
            loginThroughHaproxy();
        }
        Await.until("p1 to have taken every login", DEADLINE, () -> proxied[1].get() == before + 4);
    }
}
