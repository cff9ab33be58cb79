package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.examples.Demo;
import io.github.mailproxy.examples.MailClient;
import io.github.mailproxy.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code java -jar mailproxy.jar --demo IMAP_PORT POP3_PORT}: the demo run by the launcher, on ephemeral ports. */
class LauncherDemoTest {

    private static final Demo.User ALICE = Demo.USERS.get(0);  // 127.0.0.1
    private static final Demo.User BOB = Demo.USERS.get(1);    // 127.0.0.2
    private static final Demo.User CAROL = Demo.USERS.get(2);  // 127.0.0.1
    private static final Demo.User DAVE = Demo.USERS.get(3);   // 127.0.0.2, destuser dave.jones

    @Test
    void mainRunsTheDemoUntilStoppedAndUsersLandOnTheirOwnHosts() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher launcher = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> launcher.run(new String[] {"--demo", "0", "0"}));
        try {
            Await.until(() -> "the banner, got: " + out + err, Duration.ofSeconds(30),
                    () -> out.toString(StandardCharsets.UTF_8).contains("Ctrl-C stops the demo") || exit.isDone());
            Matcher ports = Pattern.compile("proxy +IMAP 127\\.0\\.0\\.1:(\\d+), POP3 127\\.0\\.0\\.1:(\\d+)")
                    .matcher(out.toString(StandardCharsets.UTF_8));
            assertThat(ports.find()).as("ports in the banner: %s%s", out, err).isTrue();
            int imap = Integer.parseInt(ports.group(1));
            int pop3 = Integer.parseInt(ports.group(2));

            // each mailbox exists only on its own host, so a login routed elsewhere would fail
            assertThat(MailClient.inboxSubjects("imap", imap, ALICE.login(), ALICE.password()))
                    .containsExactlyElementsOf(ALICE.subjects());
            assertThat(MailClient.inboxSubjects("imap", imap, BOB.login(), BOB.password()))
                    .containsExactlyElementsOf(BOB.subjects());
            assertThat(MailClient.inboxSubjects("pop3", pop3, CAROL.login(), CAROL.password()))
                    .containsExactlyElementsOf(CAROL.subjects());
            // dave logs in as dave and reads dave.jones's mailbox on 127.0.0.2
            assertThat(MailClient.inboxSubjects("pop3", pop3, DAVE.login(), DAVE.password()))
                    .containsExactly("Welcome, dave.jones: your mailbox is on 127.0.0.2 (destuser)");
        } finally {
            launcher.stop();  // what Ctrl-C does
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aDemoPortInUseExitsWithCodeTwoAndAHint() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher launcher = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            assertThat(launcher.run(new String[] {"--demo", "0", String.valueOf(port)})).isEqualTo(2);

            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("mailproxy: the demo cannot listen on 127.0.0.1:"
                    + port + " (pop3): Address already in use; --demo IMAP_PORT POP3_PORT runs it on other ports"
                    + System.lineSeparator());
        }
    }
}
