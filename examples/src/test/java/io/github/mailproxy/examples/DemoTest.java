package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The demo on ephemeral ports, so that it does not clash with a demo running on 1143: two GreenMail
 * hosts (127.0.0.1, 127.0.0.2), the seed's table in H2, the proxy in front.
 */
class DemoTest {

    private static final Demo.User ALICE = Demo.USERS.get(0);  // 127.0.0.1
    private static final Demo.User BOB = Demo.USERS.get(1);    // 127.0.0.2
    private static final Demo.User CAROL = Demo.USERS.get(2);  // 127.0.0.1
    private static final Demo.User DAVE = Demo.USERS.get(3);   // 127.0.0.2, destuser dave.jones

    @Test
    void usersAreSpreadOverBothHostsAndOneHasADestuser() {
        assertThat(Demo.USERS).extracting(Demo.User::host).contains("127.0.0.1", "127.0.0.2");
        assertThat(ALICE.host()).isNotEqualTo(BOB.host());
        assertThat(DAVE.destuser()).isEqualTo("dave.jones");
    }

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
    void demoLeaksNothingAfterImapAndPop3Logins() throws Exception {
        try (Demo demo = Demo.start(0, 0)) {
            assertThat(MailClient.inboxSubjects("imap", demo.imapPort(), DAVE.login(), DAVE.password()))
                    .containsExactlyElementsOf(DAVE.subjects());
            assertThat(MailClient.inboxSubjects("pop3", demo.pop3Port(), ALICE.login(), ALICE.password()))
                    .containsExactlyElementsOf(ALICE.subjects());

            LeakCheck.assertNothingLeaked(demo.proxy());
        }
    }

    @Test
    void bannerNamesUsersHostsTheQueryAndCurlCommandsForTheActualPorts() {
        try (Demo demo = Demo.start(0, 0)) {
            String banner = demo.banner();

            assertThat(banner).contains("alice", "alice-secret", "bob", "bob-secret", "127.0.0.2", "dave.jones")
                    .contains("FROM proxy WHERE \"user\" = '%u'")
                    .contains("curl -v --url \"imap://127.0.0.1:" + demo.imapPort() + "/INBOX?ALL\""
                            + " --user alice:alice-secret")
                    .contains("curl --url \"pop3://127.0.0.1:" + demo.pop3Port() + "/1\" --user dave:dave-secret");
            LeakCheck.assertNothingLeaked(demo.proxy());
        }
    }

    @Test
    void userToStringHidesThePassword() {
        assertThat(Demo.USERS.get(0).toString()).doesNotContain("alice-secret");
    }
}
