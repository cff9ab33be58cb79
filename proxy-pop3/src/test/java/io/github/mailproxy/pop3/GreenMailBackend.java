package io.github.mailproxy.pop3;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/** GreenMail's POP3 server on an ephemeral loopback port, as the backend of end-to-end tests. */
final class GreenMailBackend implements AutoCloseable {

    private final GreenMail greenMail;

    GreenMailBackend() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort());
        greenMail.start();
    }

    /** @return the bound POP3 port */
    int port() {
        return greenMail.getPop3().getPort();
    }

    /** Creates a user whose POP3 login is {@code login}. */
    GreenMailUser user(String login, String password) {
        return greenMail.setUser(login + "@example.org", login, password);
    }

    /** Creates a user whose POP3 login differs from its address's local part, such as {@code alice*proxy}. */
    GreenMailUser user(String address, String login, String password) {
        return greenMail.setUser(address, login, password);
    }

    /** @return how many messages the user's inbox holds now */
    int messageCount(GreenMailUser user) {
        try {
            return greenMail.getManagers().getImapHostManager().getInbox(user).getMessageCount();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return a small text message */
    static MimeMessage message(String to, String subject, String body) {
        try {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
            m.setFrom(new InternetAddress("sender@example.org"));
            m.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(to));
            m.setSubject(subject);
            m.setText(body);
            m.saveChanges();
            return m;
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
