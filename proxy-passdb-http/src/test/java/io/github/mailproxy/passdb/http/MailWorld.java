package io.github.mailproxy.passdb.http;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.passdb.http.NginxAuthServer.Behaviour;
import io.github.mailproxy.passdb.http.NginxAuthServer.User;
import io.github.mailproxy.testing.TestSecrets;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.util.List;
import java.util.Properties;

/**
 * Two GreenMail backends (IMAP and POP3 each, on loopback) and an nginx-protocol auth server routing the test
 * users between them. Each user's INBOX holds one message whose subject names the backend, so a client can
 * tell where it landed.
 */
final class MailWorld implements AutoCloseable {

    /** Users and their passwords, in the order the tests try them. */
    static final List<String[]> LOGINS = List.of(
            new String[] {"alice", TestSecrets.register("alice-secret")},
            new String[] {"bob", TestSecrets.register("bob-secret")},
            // escaped by nginx (space, %), decoded by the auth server, sent raw to the backend
            new String[] {"dora%41x", TestSecrets.register("dora secret%20")},
            // the auth server rewrites user and password for the backend (Auth-User, Auth-Pass)
            new String[] {"erin", TestSecrets.register("erin-secret")},
            new String[] {"alice", TestSecrets.register("not-alices-password")},
            new String[] {"nobody", TestSecrets.register("nobody-secret")},
            new String[] {"broken", "x"},
            new String[] {"later", "x"});

    final GreenMail a;
    final GreenMail b;
    final NginxAuthServer auth;

    MailWorld() throws IOException, MessagingException {
        a = backend();
        b = backend();
        auth = new NginxAuthServer();
        try {
            add("alice", "alice-secret", a, null, null);
            add("bob", "bob-secret", b, null, null);
            add("dora%41x", "dora secret%20", b, null, null);
            add("erin", "erin-secret", a, "erin@backend", TestSecrets.register("erin-backend-secret"));
            auth.add("broken", new User("x", "127.0.0.1", 1, 1, null, null, Behaviour.HTTP_500));
            auth.add("later", new User("x", "127.0.0.1", 1, 1, null, null, Behaviour.ERROR_CODE_LATER));
        } catch (MessagingException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static GreenMail backend() {
        GreenMail g = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort()});
        g.start();
        return g;
    }

    private void add(String user, String password, GreenMail backend, String backendUser, String backendPass)
            throws MessagingException {
        String login = backendUser == null ? user : backendUser;
        String email = login.contains("@") ? login : login.replace("%", "") + "@example.org";
        backend.setUser(email, login, backendPass == null ? password : backendPass)
                .deliver(message(email, "on " + (backend == a ? "A" : "B")));
        auth.add(user, new User(password, "127.0.0.1", backend.getImap().getPort(), backend.getPop3().getPort(),
                backendUser, backendPass, Behaviour.NORMAL));
    }

    /**
     * Logs in with Angus Mail and reads the first message's subject.
     *
     * @param protocol {@code imap} or {@code pop3}
     * @return {@code "on A"} or {@code "on B"} (where the login landed), or {@code "refused"}
     */
    static String whereDoesTheLoginLand(String protocol, int port, String user, String password) {
        Properties props = new Properties();
        props.setProperty("mail." + protocol + ".connectiontimeout", "10000");
        props.setProperty("mail." + protocol + ".timeout", "10000");
        try {
            Store store = Session.getInstance(props).getStore(protocol);
            store.connect("127.0.0.1", port, user, password);
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                try {
                    return inbox.getMessage(1).getSubject();
                } finally {
                    inbox.close(false);
                }
            } finally {
                store.close();
            }
        } catch (MessagingException e) {
            return "refused";
        }
    }

    private static MimeMessage message(String to, String subject) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText("hello");
        message.saveChanges();
        return message;
    }

    @Override
    public void close() {
        auth.close();
        a.stop();
        b.stop();
    }
}
