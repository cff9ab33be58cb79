package io.github.mailproxy.examples;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The first demo: an embedded GreenMail server (IMAP and POP3) with a few users stands for the
 * backend mail server, and the proxy listens in front of it on 127.0.0.1.
 *
 * <pre>{@code
 * try (Demo demo = Demo.start(1143, 1110)) {
 *     System.out.print(demo.banner());
 *     ...
 * }
 * }</pre>
 */
public final class Demo implements AutoCloseable {

    /** The demo's IMAP port when run from the command line. */
    public static final int IMAP_PORT = 1143;
    /** The demo's POP3 port when run from the command line. */
    public static final int POP3_PORT = 1110;

    private static final String HOST = "127.0.0.1";

    /** The demo's users; the backend knows them, the proxy forwards their passwords to it. */
    public static final List<User> USERS = List.of(
            new User("alice", "alice-secret", List.of("Welcome to the mailproxy demo", "Lunch on Friday?")),
            new User("bob", "bob-secret", List.of("Welcome to the mailproxy demo", "Build is green")),
            new User("carol", "carol-secret", List.of("Welcome to the mailproxy demo", "Slides attached", "Re: Q3")));

    /**
     * A demo user.
     *
     * @param login    the user name
     * @param password the password
     * @param subjects the subjects of the messages in the user's INBOX
     */
    public record User(String login, String password, List<String> subjects) {

        /** Copies the subjects. */
        public User {
            subjects = List.copyOf(subjects);
        }

        @Override
        public String toString() {
            return "User[login=" + login + ", messages=" + subjects.size() + "]";
        }
    }

    private final GreenMail backend;
    private final ProxyServer proxy;

    private Demo(GreenMail backend, ProxyServer proxy) {
        this.backend = backend;
        this.proxy = proxy;
    }

    /**
     * Starts the backend on ephemeral ports and the proxy in front of it.
     *
     * @param imapPort the proxy's IMAP port; 0 for an ephemeral port
     * @param pop3Port the proxy's POP3 port; 0 for an ephemeral port
     * @return the running demo; the caller closes it
     * @throws ConfigException naming the port if it is taken
     */
    public static Demo start(int imapPort, int pop3Port) {
        GreenMail backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, HOST, ServerSetup.PROTOCOL_IMAP), new ServerSetup(0, HOST, ServerSetup.PROTOCOL_POP3)});
        backend.start();
        try {
            for (User user : USERS) {
                GreenMailUser mailbox = backend.setUser(user.login() + "@example.org", user.login(), user.password());
                for (String subject : user.subjects()) {
                    mailbox.deliver(message(mailbox.getEmail(), subject));
                }
            }
            LauncherConfig config = new LauncherConfig(
                    Map.of(ConfigKey.IMAP_LISTEN, ImapProtocol.plain(new InetSocketAddress(HOST, imapPort)),
                            ConfigKey.POP3_LISTEN, Pop3Protocol.plain(new InetSocketAddress(HOST, pop3Port))),
                    passDb(backend.getImap().getPort(), backend.getPop3().getPort()),
                    AuthStrategy.passwordForwarding(),
                    null);
            return new Demo(backend, Launcher.start(config));
        } catch (RuntimeException e) {
            backend.stop();
            throw e;
        }
    }

    /**
     * Every user lives on the one backend; only the port differs by protocol, so the demo picks
     * one of two Dovecot-style static PassDbs by the protocol of the login.
     */
    private static PassDb passDb(int imapPort, int pop3Port) {
        PassDb imap = StaticPassDb.parse("proxy=y host=" + HOST + " port=" + imapPort + " nopassword=y");
        PassDb pop3 = StaticPassDb.parse("proxy=y host=" + HOST + " port=" + pop3Port + " nopassword=y");
        return request -> (Pop3Protocol.NAME.equals(request.protocol()) ? pop3 : imap).lookup(request);
    }

    private static MimeMessage message(String to, String subject) {
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
            message.setFrom(new InternetAddress("demo@example.org"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
            message.setSubject(subject);
            message.setText("This message sits on the GreenMail backend; you are reading it through mailproxy.\r\n");
            message.saveChanges();
            return message;
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot build a demo message", e);
        }
    }

    /** @return the running proxy */
    public ProxyServer proxy() {
        return proxy;
    }

    /** @return the proxy's IMAP port */
    public int imapPort() {
        return proxy.port(ImapProtocol.NAME);
    }

    /** @return the proxy's POP3 port */
    public int pop3Port() {
        return proxy.port(Pop3Protocol.NAME);
    }

    /** @return what the command line prints: where things listen, the users, commands to try */
    public String banner() {
        StringBuilder s = new StringBuilder()
                .append("mailproxy demo\n")
                .append(String.format("  backend  GreenMail: IMAP %s:%d, POP3 %s:%d%n",
                        HOST, backend.getImap().getPort(), HOST, backend.getPop3().getPort()))
                .append(String.format("  proxy    IMAP %s:%d, POP3 %s:%d%n", HOST, imapPort(), HOST, pop3Port()))
                .append("  passdb   proxy=y host=").append(HOST).append(" port=<backend port> nopassword=y\n\n")
                .append("Users (the proxy forwards the password; the backend checks it):\n");
        for (User user : USERS) {
            s.append(String.format("  %-6s %-13s %d messages%n",
                    user.login(), user.password(), user.subjects().size()));
        }
        User alice = USERS.get(0);
        User bob = USERS.get(1);
        return s.append("\nTry:\n")
                .append(String.format("  curl -v --url \"imap://%s:%d/INBOX?ALL\" --user %s:%s%n",
                        HOST, imapPort(), alice.login(), alice.password()))
                .append(String.format("  curl --url \"imap://%s:%d/INBOX;UID=1\" --user %s:%s%n",
                        HOST, imapPort(), alice.login(), alice.password()))
                .append(String.format("  curl --url \"pop3://%s:%d/\" --user %s:%s%n",
                        HOST, pop3Port(), bob.login(), bob.password()))
                .append("\nOne line per session is logged when it ends. Ctrl-C stops the demo.\n")
                .toString();
    }

    /** Closes the proxy, then the backend. */
    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            backend.stop();
        }
    }
}
