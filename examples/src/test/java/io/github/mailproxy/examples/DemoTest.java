package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(Demo.USERS).extracting(Demo.User::host).contains("127.0.0.1", "127.0.0.2", Demo.THIS_NODE);
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

    private static final Demo.User ERIN = Demo.USERS.get(4);   // this node, served in-process
    private static final Demo.User FRANK = Demo.USERS.get(5);  // this node, served in-process

    /** Angus Mail against GreenMail's own handlers, run in-process on local sessions through LocalStreams. */
    @Test
    void usersOfThisNodeAreServedInProcessOverImapAndPop3() throws Exception {
        try (Demo demo = Demo.start(0, 0)) {
            assertThat(MailClient.inboxSubjects("imap", demo.imapPort(), ERIN.login(), ERIN.password()))
                    .containsExactlyElementsOf(ERIN.subjects());
            assertThat(MailClient.inboxSubjects("pop3", demo.pop3Port(), FRANK.login(), FRANK.password()))
                    .containsExactlyElementsOf(FRANK.subjects());
            assertThat(MailClient.inboxSubjects("imap", demo.imapPort(), FRANK.login(), FRANK.password()))
                    .as("the same mailbox over IMAP").containsExactlyElementsOf(FRANK.subjects());
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", demo.imapPort(), ERIN.login(), "wrong"))
                    .as("the proxy checks the hash").isInstanceOf(jakarta.mail.AuthenticationFailedException.class);

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
                    .contains("curl --url \"pop3://127.0.0.1:" + demo.pop3Port() + "/1\" --user dave:dave-secret")
                    .contains("curl -v --url \"imap://127.0.0.1:" + demo.imapPort() + "/INBOX?ALL\" --user erin:erin-secret")
                    .contains("curl --url \"pop3://127.0.0.1:" + demo.pop3Port() + "/1\" --user frank:frank-secret")
                    .contains("'Y' AS proxy_maybe");
            LeakCheck.assertNothingLeaked(demo.proxy());
        }
    }

    @Test
    void userToStringHidesThePassword() {
        assertThat(Demo.USERS.get(0).toString()).doesNotContain("alice-secret");
    }
}
