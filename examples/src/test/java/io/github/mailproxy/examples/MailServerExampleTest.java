package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A mail server with its own store for example.org and a remote backend for everyone else. */
class MailServerExampleTest {

    private GreenMail remote;
    private MailServerExample server;

    @BeforeEach
    void start() {
        remote = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3)});
        remote.start();
        server = MailServerExample.start("example.org", List.of(
                new RoutingPassDb.Backend("remote-1", "127.0.0.1", remote.getImap().getPort(), remote.getPop3().getPort())));
    }

    @AfterEach
    void stop() {
        try {
            LeakCheck.assertNothingLeaked(server.proxy());
        } finally {
            server.close();
            remote.stop();
        }
    }

    @Test
    void localUsersAreServedFromTheServersOwnStore() throws Exception {
        server.addLocalUser("alice@example.org", "alice-pw-1").deliver(message("alice@example.org", "kept locally"));

        assertThat(MailClient.inboxSubjects("imap", server.proxy().port("imap"), "alice@example.org", "alice-pw-1"))
                .containsExactly("kept locally");
        assertThat(MailClient.inboxSubjects("pop3", server.proxy().port("pop3"), "alice@example.org", "alice-pw-1"))
                .containsExactly("kept locally");
        assertThat(remote.getUserManager().getUser("alice@example.org")).isNull();
    }

    @Test
    void otherUsersAreProxiedToTheRemoteBackend() throws Exception {
        remote.setUser("bob@partner.net", "bob@partner.net", "bob-pw-1").deliver(message("bob@partner.net", "remote"));

        assertThat(server.passDb().route("bob@partner.net").name()).isEqualTo("remote-1");
        assertThat(MailClient.inboxSubjects("imap", server.proxy().port("imap"), "bob@partner.net", "bob-pw-1"))
                .containsExactly("remote");
    }

    private static MimeMessage message(String to, String subject) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("sender@example.net"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("body");
        return m;
    }
}
