package io.github.mailproxy.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a user would register it, in front of GreenMail, with Angus Mail logging in over IMAP. */
class ProxyExtensionImapTest {

    private static GreenMail greenMail;

    // GreenMail binds a dynamic port in @BeforeAll, after this field is initialised: hence the supplier
    @RegisterExtension
    ProxyExtension proxy = ProxyExtension.builder()
            .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
            .customize(server -> server.authFailureDelay(Duration.ZERO))
            .build();

    @BeforeAll
    static void startBackend() {
        greenMail = TestBackend.start();
        greenMail.setUser("alice@example.org", "alice", "pw-alice");
    }

    @AfterAll
    static void stopBackend() {
        greenMail.stop();
    }

    @Test
    void angusReadsTheBackendsInboxThroughTheProxy() throws Exception {
        TestBackend.deliver(greenMail, "alice", "via the extension");

        Store store = Session.getInstance(TestBackend.client("imap", proxy.imapPort())).getStore("imap");
        store.connect("alice", "pw-alice");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessage(inbox.getMessageCount()).getSubject()).isEqualTo("via the extension");
        assertThat(proxy.server().stats().openBackendConnections()).isEqualTo(1);
        inbox.close(false);
        store.close();

        assertThat(proxy.imapPort()).isNotEqualTo(greenMail.getImap().getPort());
    }

    @Test
    void theBackendChecksTheForwardedPassword() throws Exception {
        Store store = Session.getInstance(TestBackend.client("imap", proxy.imapPort())).getStore("imap");
        assertThatThrownBy(() -> store.connect("alice", "wrong")).isInstanceOf(AuthenticationFailedException.class);
        store.close();
    }

    @Test
    void aProxyWithoutPop3SaysSoWhenAskedForItsPort() {
        assertThatThrownBy(proxy::pop3Port)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no pop3 listener")
                .hasMessageContaining("pop3Backend(host, port)");
    }
}
