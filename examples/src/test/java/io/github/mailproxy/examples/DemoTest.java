package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.LeakCheck;
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
