package io.github.mailproxy.examples;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The demo's two backend hosts: a GreenMail server (IMAP and POP3) on each of 127.0.0.1 and
 * 127.0.0.2, both on the same pair of ports, so that the {@code host} column alone says where a
 * user's mailbox is — as on two real servers listening on 143 and 110.
 */
final class DemoBackends implements AutoCloseable {

    /** The hosts, as the {@code host} column names them. */
    static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2");

    private static final int ATTEMPTS = 5;

    private final Map<String, GreenMail> servers;
    private final int imapPort;
    private final int pop3Port;

    private DemoBackends(Map<String, GreenMail> servers, int imapPort, int pop3Port) {
        this.servers = servers;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
    }

    /**
     * Starts both servers and gives every user a mailbox on its host, login {@code destuser} if set.
     *
     * @param users the demo users
     * @return the running backends; the caller closes them
     * @throws UncheckedIOException if 127.0.0.2 cannot be bound (not every system routes all of 127/8);
     *                              its message completes "the demo ..."
     */
    static DemoBackends start(List<Demo.User> users) {
        checkSecondLoopback();
        RuntimeException last = null;
        // The first server takes any free pair of ports; the second needs the same pair on 127.0.0.2,
        // which something else may hold, so a few pairs are tried.
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            GreenMail first = greenMail(HOSTS.get(0), 0, 0);
            first.start();
            int imap = first.getImap().getPort();
            int pop3 = first.getPop3().getPort();
            GreenMail second = greenMail(HOSTS.get(1), imap, pop3);
            try {
                second.start();
            } catch (RuntimeException e) {
                first.stop();
                second.stop();
                last = e;
                continue;
            }
            Map<String, GreenMail> servers = new LinkedHashMap<>();
            servers.put(HOSTS.get(0), first);
            servers.put(HOSTS.get(1), second);
            DemoBackends backends = new DemoBackends(servers, imap, pop3);
            users.forEach(backends::addMailbox);
            return backends;
        }
        throw new IllegalStateException("cannot start the demo backends on one port pair on both hosts", last);
    }

    private static GreenMail greenMail(String host, int imapPort, int pop3Port) {
        return new GreenMail(new ServerSetup[] {
            new ServerSetup(imapPort, host, ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(pop3Port, host, ServerSetup.PROTOCOL_POP3)});
    }

    private static void checkSecondLoopback() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(HOSTS.get(1), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("needs the loopback address " + HOSTS.get(1) + " for its second "
                    + "backend host, and cannot bind it (" + e.getMessage() + "); on macOS: "
                    + "sudo ifconfig lo0 alias 127.0.0.2 up", e);
        }
    }

    private void addMailbox(Demo.User user) {
        String login = user.destuser().isEmpty() ? user.login() : user.destuser();
        GreenMailUser mailbox = servers.get(user.host()).setUser(login + "@example.org", login, user.password());
        for (String subject : user.subjects()) {
            mailbox.deliver(message(mailbox.getEmail(), subject));
        }
    }

    static MimeMessage message(String to, String subject) {
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
            message.setFrom(new InternetAddress("demo@example.org"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
            message.setSubject(subject);
            message.setText("This message sits in a GreenMail mailbox; you are reading it through mailproxy.\r\n");
            message.saveChanges();
            return message;
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot build a demo message", e);
        }
    }

    /** @return the IMAP port of both hosts */
    int imapPort() {
        return imapPort;
    }

    /** @return the POP3 port of both hosts */
    int pop3Port() {
        return pop3Port;
    }

    /** Stops both servers. */
    @Override
    public void close() {
        servers.values().forEach(GreenMail::stop);
    }
}
