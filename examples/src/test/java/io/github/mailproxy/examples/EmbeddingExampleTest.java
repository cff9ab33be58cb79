package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.testing.LeakCheck;
import org.junit.jupiter.api.Test;

/** The README's embedding example works as written. */
class EmbeddingExampleTest {

    @Test
    void proxyInFrontOfGreenMailServesAnImapLogin() throws Exception {
        GreenMail backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        backend.start();
        try {
            backend.setUser("erin@example.org", "erin", "erin-secret");
            ProxyServer server = EmbeddingExample.start("127.0.0.1", backend.getImap().getPort());
            try {
                assertThat(MailClient.inboxSubjects("imap", server.port(ImapProtocol.NAME), "erin", "erin-secret"))
                        .isEmpty();
                LeakCheck.assertNothingLeaked(server);
            } finally {
                server.close();
            }
        } finally {
            backend.stop();
        }
    }
}
