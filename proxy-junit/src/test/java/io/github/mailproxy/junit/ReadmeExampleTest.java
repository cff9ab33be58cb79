package io.github.mailproxy.junit;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example of README.md's "Testing with JUnit 5" and of ProxyExtension's Javadoc, verbatim. */
class ReadmeExampleTest {

    @RegisterExtension
    static GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.IMAP.dynamicPort());

    @RegisterExtension
    ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", () -> greenMail.getImap().getPort());

    @Test
    void logsInThroughTheProxy() throws Exception {
        greenMail.setUser("alice@example.org", "alice", "secret");
        Properties props = new Properties();
        props.put("mail.imap.host", "127.0.0.1");
        props.put("mail.imap.port", Integer.toString(proxy.imapPort()));
        Store store = Session.getInstance(props).getStore("imap");
        store.connect("alice", "secret");   // the proxy forwards the password; GreenMail checks it
        store.close();                      // forget this and the test fails: see below
    }
}
