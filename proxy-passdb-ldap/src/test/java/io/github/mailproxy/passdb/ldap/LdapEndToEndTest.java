package io.github.mailproxy.passdb.ldap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.MasterLogin;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.dovecot.PrivateDovecot;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IMAP clients through the proxy routed by LdapPassDb on a real OpenLDAP: with password forwarding to
 * two GreenMail backends, and with authentication binds plus a master login to a real Dovecot (the
 * common "verify at the proxy, master login to the backend" setup: the client's LDAP password is not
 * the one Dovecot holds).
 */
class LdapEndToEndTest {

    private static GreenMail backendA;
    private static GreenMail backendB;
    private static PrivateDovecot dovecot;
    private static PrivateSlapd slapd;
    private static LdapPassDb passDb;
    private static ProxyServer forwarding;
    private static ProxyServer master;

    @BeforeAll
    static void start() throws Exception {
        backendA = greenMail();
        backendB = greenMail();
        deliver(backendA.setUser("alice", "alice", "pw-alice"), "for alice on A");
        deliver(backendB.setUser("bob", "bob", "pw-bob"), "for bob on B");
        dovecot = PrivateDovecot.builder().user("carol", "dovecot-carol").masterUser("proxy", "master-secret").start();
        dovecot.deliver("carol", ("From: a@example.org\r\nTo: carol@example.org\r\nSubject: for carol on Dovecot\r\n"
                + "\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII));
        String ldif = SlapdInteropTest.ldif(backendA.getImap().getPort(), backendB.getImap().getPort())
                .replace("mailPort: 0", "mailPort: " + dovecot.imapPort());
        slapd = PrivateSlapd.start(ldif);
        passDb = LdapPassDb.builder().uris(slapd.uri()).bindDn(PrivateSlapd.SERVICE_DN, PrivateSlapd.SERVICE_PASSWORD)
                .base(SlapdInteropTest.PEOPLE).passFilter("(&(objectClass=inetOrgPerson)(uid=%u))")
                .passAttrs("uid=user, =proxy=y, =host=%{ldap:mailHost}, mailPort=port").authBind(true).build();
        forwarding = proxy(passDb, AuthStrategy.passwordForwarding());
        master = proxy(passDb, AuthStrategy.masterUser(MasterLogin.of("proxy", "master-secret")));
    }

    private static GreenMail greenMail() {
        GreenMail g = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        g.start();
        return g;
    }

    private static void deliver(com.icegreen.greenmail.user.GreenMailUser user, String subject) throws Exception {
        user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
                ("From: a@example.org\r\nTo: x@example.org\r\nSubject: " + subject + "\r\n\r\nhello\r\n")
                        .getBytes(StandardCharsets.US_ASCII))));
    }

    private static ProxyServer proxy(PassDb passDb, AuthStrategy strategy) {
        return ProxyServer.builder().listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0))).passDb(passDb)
                .authStrategy(strategy).authCache(AuthCacheSpec.maximumSize(100).expireAfterWrite(Duration.ofMinutes(5)))
                .authFailureDelay(Duration.ofMillis(10)).build().start();
    }

    @AfterAll
    static void stop() {
        List<Runnable> steps = new ArrayList<>();
        for (ProxyServer s : new ProxyServer[] {forwarding, master}) {
            if (s != null) {
                steps.add(() -> LeakCheck.assertNothingLeaked(s));
                steps.add(s::close);
            }
        }
        steps.add(() -> {
            if (passDb != null) {
                passDb.close();
            }
        });
        for (AutoCloseable c : new AutoCloseable[] {slapd, dovecot}) {
            steps.add(() -> {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
        }
        for (GreenMail g : new GreenMail[] {backendA, backendB}) {
            steps.add(() -> {
                if (g != null) {
                    g.stop();
                }
            });
        }
        RuntimeException first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static List<String> inboxSubjects(ProxyServer proxy, String user, String password) throws MessagingException {
        Properties props = new Properties();
        props.setProperty("mail.imap.connectiontimeout", "10000");
        props.setProperty("mail.imap.timeout", "10000");
        Store store = Session.getInstance(props).getStore("imap");
        store.connect("127.0.0.1", proxy.port(ImapProtocol.NAME), user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> subjects = new ArrayList<>();
            for (Message m : inbox.getMessages()) {
                subjects.add(m.getSubject());
            }
            inbox.close(false);
            return subjects;
        } finally {
            store.close();
        }
    }

    @Test
    void eachUserReachesTheGreenMailBackendHisEntryNames() throws Exception {
        assertThat(inboxSubjects(forwarding, "alice", "pw-alice")).containsExactly("for alice on A");
        assertThat(inboxSubjects(forwarding, "bob", "pw-bob")).containsExactly("for bob on B");
    }

    @Test
    void aWrongPasswordIsRefusedByTheDirectoryEvenAfterARightOneWasCached() throws Exception {
        assertThat(inboxSubjects(forwarding, "alice", "pw-alice")).containsExactly("for alice on A");
        assertThatThrownBy(() -> inboxSubjects(forwarding, "alice", "pw-bob"))
                .isInstanceOf(AuthenticationFailedException.class);
        assertThatThrownBy(() -> inboxSubjects(forwarding, "*", "pw-alice"))
                .isInstanceOf(AuthenticationFailedException.class);
    }

    @Test
    void authBindThenMasterLoginOpensTheDovecotMailbox() throws Exception {
        // carol's LDAP password is not the one Dovecot has: the proxy checked it, then logged in as master
        assertThat(inboxSubjects(master, "carol", "pw-carol")).containsExactly("for carol on Dovecot");
        dovecot.awaitLog(Pattern.compile("Master user logging in as carol"), Duration.ofSeconds(10));
        assertThatThrownBy(() -> inboxSubjects(master, "carol", "dovecot-carol"))
                .isInstanceOf(AuthenticationFailedException.class);
    }
}
