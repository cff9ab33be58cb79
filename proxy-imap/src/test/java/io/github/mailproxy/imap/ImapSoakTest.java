package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.FileDescriptors;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The soak of issue 7: thousands of IMAP sessions through the proxy to GreenMail, a fault mixed in
 * at random into many of them (clients vanishing at random points, wrong passwords, unknown commands,
 * slow clients, over-long lines). At the end every well-behaved session must have fetched its user's
 * message byte for byte as GreenMail serves it directly, and nothing may be left open: no session,
 * backend connection or pooled buffer in the proxy, no file descriptor in this JVM.
 *
 * <p>In CI it runs for {@value #DEFAULT_SECONDS} seconds. Longer, or replaying a seed it printed:
 * {@code mvn -B -o -pl proxy-imap test -Dtest=ImapSoakTest -Dsoak.seconds=600 [-Dsoak.seed=N]
 * [-Dsoak.clients=64]}. Each session draws from its own {@code Random(seed + session number)}, so
 * a seed replays the same sessions in the same mix; only their interleaving differs.
 */
class ImapSoakTest {

    private static final int DEFAULT_SECONDS = 20;
    private static final int DEFAULT_CLIENTS = 32;
    private static final int USERS = 40;
    private static final int MAX_LINE = 1024;
    private static final int MAX_BAD = 4;

    @Test
    void thousandsOfSessionsWithFaultsMixedInLoseNothingAndLeakNothing() throws Exception {
        long seed = Long.getLong("soak.seed", System.nanoTime());
        int seconds = Integer.getInteger("soak.seconds", DEFAULT_SECONDS);
        int clients = Integer.getInteger("soak.clients", DEFAULT_CLIENTS);
        System.out.printf("soak: seed=%d seconds=%d clients=%d (replay: -Dsoak.seed=%d)%n", seed, seconds, clients, seed);

        GreenMail greenMail = TestBackend.startGreenMail();
        ProxyServer server = null;
        try {
            int backendPort = TestBackend.imapPort(greenMail);
            List<SoakSession.User> users = createUsers(greenMail, backendPort, new Random(seed));
            server = ProxyServer.builder()
                    .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                    .passDb(StaticPassDb.parse("proxy=y host=127.0.0.1 port=" + backendPort + " nopassword=y"))
                    .authFailureDelay(Duration.ZERO)
                    .maxLineLength(MAX_LINE)
                    .maxBadCommands(MAX_BAD)
                    .maxLoginsPerIpPerMinute(10_000_000)
                    .maxConnectionsPerIp(10_000)
                    .loginTimeout(Duration.ofSeconds(20))
                    .build()
                    .start();
            int port = server.port(ImapProtocol.NAME);

            // a session of each kind first, so whatever the JVM opens once and keeps is in the baseline
            Random warmUp = new Random(seed - 1);
            for (SoakSession.Scenario s : SoakSession.Scenario.values()) {
                new SoakSession(port, warmUp, users.get(0), MAX_LINE, MAX_BAD).run(s);
            }
            LeakCheck.assertNothingLeaked(server);
            FileDescriptors.Snapshot baseline = FileDescriptors.snapshot();
            long sessionsBefore = server.stats().totalSessions();

            Result result = soak(port, users, seed, clients, Duration.ofSeconds(seconds));
            System.out.printf("soak: %d sessions, %d messages verified, %s%n", result.sessions, result.verified,
                    result.perScenario);

            assertThat(result.failures).as("sessions that went wrong (seed %d)", seed).isEmpty();
            assertThat(result.verified).as("well-behaved sessions verified").isPositive();
            LeakCheck.assertNothingLeaked(server);
            FileDescriptors.assertBackTo(baseline, Duration.ofSeconds(30));
            assertThat(server.stats().totalSessions() - sessionsBefore).as("sessions the proxy accepted")
                    .isEqualTo(result.sessions);
        } finally {
            if (server != null) {
                server.close();
            }
            greenMail.stop();
        }
    }

    /** What the soak did. */
    private record Result(long sessions, long verified, Map<SoakSession.Scenario, Integer> perScenario,
                          List<String> failures) {
    }

    private static Result soak(int port, List<SoakSession.User> users, long seed, int clients, Duration duration)
            throws Exception {
        long deadline = System.nanoTime() + duration.toNanos();
        AtomicLong next = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        Map<SoakSession.Scenario, AtomicInteger> counts = new EnumMap<>(SoakSession.Scenario.class);
        for (SoakSession.Scenario s : SoakSession.Scenario.values()) {
            counts.put(s, new AtomicInteger());
        }
        Map<SoakSession.Scenario, AtomicLong> millis = new EnumMap<>(SoakSession.Scenario.class);
        for (SoakSession.Scenario s : SoakSession.Scenario.values()) {
            millis.put(s, new AtomicLong());
        }
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < clients; w++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() - deadline < 0 && failures.size() < 10) {
                    long n = next.getAndIncrement();
                    Random random = new Random(seed + n);
                    SoakSession.Scenario scenario = SoakSession.Scenario.draw(random);
                    SoakSession.User user = users.get(random.nextInt(users.size()));
                    counts.get(scenario).incrementAndGet();
                    long started = System.nanoTime();
                    try {
                        if (new SoakSession(port, random, user, MAX_LINE, MAX_BAD).run(scenario)) {
                            verified.incrementAndGet();
                        }
                    } catch (Exception | AssertionError e) {
                        failures.add("session " + n + " (" + scenario + ", " + user.login() + "): " + e);
                    }
                    millis.get(scenario).addAndGet((System.nanoTime() - started) / 1_000_000);
                }
            }));
        }
        pool.shutdown();
        for (Future<?> worker : workers) {
            worker.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
        }
        Map<SoakSession.Scenario, Integer> perScenario = new EnumMap<>(SoakSession.Scenario.class);
        counts.forEach((s, c) -> perScenario.put(s, c.get()));
        System.out.println("soak: mean milliseconds per session: " + millis.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().get() / Math.max(1, counts.get(e.getKey()).get()))
                .toList());
        return new Result(next.get(), verified.get(), perScenario, List.copyOf(failures));
    }

    /** Users with one message each, of random size and content; the reference bytes come from GreenMail itself. */
    private static List<SoakSession.User> createUsers(GreenMail greenMail, int backendPort, Random random)
            throws Exception {
        List<SoakSession.User> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            String login = "user" + i;
            String password = "pw-" + Long.toHexString(random.nextLong());
            greenMail.setUser(login + "@example.org", login, password).deliver(message(login, random));
            users.add(new SoakSession.User(login, password, fetchDirectly(backendPort, login, password)));
        }
        return users;
    }

    private static MimeMessage message(String login, Random random) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("soak@example.org"));
        message.setRecipients(MimeMessage.RecipientType.TO, login + "@example.org");
        message.setSubject("soak " + login);
        StringBuilder text = new StringBuilder();
        int lines = 1 + random.nextInt(800);  // up to about 60 KB
        for (int i = 0; i < lines; i++) {
            for (int j = random.nextInt(76); j > 0; j--) {
                text.append((char) (' ' + random.nextInt(95)));
            }
            text.append("\r\n");
        }
        message.setText(text.toString(), "us-ascii");
        message.saveChanges();
        return message;
    }

    /** The message as GreenMail serves it without the proxy: what every proxied fetch must equal. */
    private static byte[] fetchDirectly(int backendPort, String login, String password) throws IOException {
        try (Socket s = new Socket("127.0.0.1", backendPort)) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(("a LOGIN " + login + " " + password + "\r\nb SELECT INBOX\r\n"
                    + "c FETCH 1 BODY[]\r\n").getBytes(StandardCharsets.US_ASCII));
            String line;
            while (!(line = line(in)).startsWith("* 1 FETCH")) {
                assertThat(line).doesNotStartWith("a NO").doesNotStartWith("b NO");
            }
            int size = Integer.parseInt(line.substring(line.lastIndexOf('{') + 1, line.length() - 1));
            byte[] body = in.readNBytes(size);
            assertThat(body).hasSize(size);
            s.getOutputStream().write("d LOGOUT\r\n".getBytes(StandardCharsets.US_ASCII));
            return body;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        String s = line.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
