package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.github.mailproxy.junit.ProxyExtension;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy in a JUnit 5 test, in front of GreenMail: the README's example. GreenMail's extension
 * starts the backend, proxy-junit's {@link ProxyExtension} starts a proxy on an ephemeral port in
 * front of it for each test and fails the test if it leaves a session open.
 */
class ProxyExtensionExampleTest {

    @RegisterExtension
    static GreenMailExtension greenMail = new GreenMailExtension(ServerSetup.dynamicPort(ServerSetupTest.SMTP_IMAP));

    @RegisterExtension
    ProxyExtension proxy = ProxyExtension.builder()
            .imapBackend("127.0.0.1", () -> greenMail.getImap().getPort())
            .customize(server -> server.authFailureDelay(Duration.ZERO))
            .build();

    @Test
    void mailSentToGreenMailIsReadThroughTheProxy() throws Exception {
        greenMail.setUser("alice@example.org", "alice", "alice-pw-1");
        com.icegreen.greenmail.util.GreenMailUtil.sendTextEmail("alice@example.org", "bob@example.org",
                "hello through the proxy", "body", greenMail.getSmtp().getServerSetup());
        greenMail.waitForIncomingEmail(1);

        Properties props = new Properties();
        props.put("mail.imap.host", "127.0.0.1");
        props.put("mail.imap.port", Integer.toString(proxy.imapPort()));
        Store store = Session.getInstance(props).getStore("imap");
        store.connect("alice", "alice-pw-1");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("hello through the proxy");
            inbox.close(false);
        } finally {
            store.close();  // or ProxyExtension fails the test: a session would still be open
        }
    }

    @Test
    void eachTestGetsAFreshProxyOnAnEphemeralPort() {
        assertThat(proxy.imapPort()).isPositive().isNotEqualTo(greenMail.getImap().getPort());
    }
}
