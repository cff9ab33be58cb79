package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.LeakCheck;
import org.junit.jupiter.api.Test;

/** The demo on ephemeral ports, so that it does not clash with a demo running on 1143. */
class DemoTest {

    @Test
    void aliceSeesHerMessagesThroughTheProxyOverImapAndBobOverPop3() throws Exception {
        try (Demo demo = Demo.start(0, 0)) {
            Demo.User alice = Demo.USERS.get(0);
            Demo.User bob = Demo.USERS.get(1);

            assertThat(MailClient.inboxSubjects("imap", demo.imapPort(), alice.login(), alice.password()))
                    .containsExactlyElementsOf(alice.subjects());
            assertThat(MailClient.inboxSubjects("pop3", demo.pop3Port(), bob.login(), bob.password()))
                    .containsExactlyElementsOf(bob.subjects());

            LeakCheck.assertNothingLeaked(demo.proxy());
        }
    }

    @Test
    void bannerNamesUsersAndACurlCommandForTheActualPort() {
        try (Demo demo = Demo.start(0, 0)) {
            String banner = demo.banner();

            assertThat(banner).contains("alice", "alice-secret", "bob", "bob-secret")
                    .contains("curl -v --url \"imap://127.0.0.1:" + demo.imapPort() + "/INBOX?ALL\""
                            + " --user alice:alice-secret");
            LeakCheck.assertNothingLeaked(demo.proxy());
        }
    }

    @Test
    void userToStringHidesThePassword() {
        assertThat(Demo.USERS.get(0).toString()).doesNotContain("alice-secret");
    }
}
