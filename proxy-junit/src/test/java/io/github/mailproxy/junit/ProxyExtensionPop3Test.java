package io.github.mailproxy.junit;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One extension with both protocols, each to its own GreenMail port; Angus logs in over each. */
class ProxyExtensionPop3Test {

    private static GreenMail greenMail;

    @RegisterExtension
    ProxyExtension proxy = ProxyExtension.builder()
            .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
            .pop3Backend("127.0.0.1", () -> greenMail.getPop3().getPort())
            .build();

    @BeforeAll
    static void startBackend() {
        greenMail = TestBackend.start();
        greenMail.setUser("bob@example.org", "bob", "pw-bob");
    }

    @AfterAll
    static void stopBackend() {
        greenMail.stop();
    }

    @Test
    void angusReadsTheInboxOverPop3AndImapThroughOneProxy() throws Exception {
        TestBackend.deliver(greenMail, "bob", "for pop3");

        Store pop3 = Session.getInstance(TestBackend.client("pop3", proxy.pop3Port())).getStore("pop3");
        pop3.connect("bob", "pw-bob");
        Folder inbox = pop3.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo("for pop3");
        inbox.close(false);
        pop3.close();

        Store imap = Session.getInstance(TestBackend.client("imap", proxy.imapPort())).getStore("imap");
        imap.connect("bob", "pw-bob");
        assertThat(imap.getFolder("INBOX").exists()).isTrue();
        imap.close();

        assertThat(proxy.pop3Port()).isNotEqualTo(proxy.imapPort());
    }
}
