package io.github.mailproxy.junit;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/** GreenMail as the backend of the extension's tests: IMAP and POP3 on 127.0.0.1 and dynamic ports. */
final class TestBackend {

    private TestBackend() {
    }

    static GreenMail start() {
        GreenMail greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort(),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort()});
        greenMail.start();
        return greenMail;
    }

    /** Puts a message straight into a user's INBOX on the backend. */
    static void deliver(GreenMail greenMail, String login, String subject) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(login + "@example.org"));
        message.setSubject(subject);
        message.setText("hello");
        message.saveChanges();
        greenMail.getUserManager().getUser(login).deliver(message);
    }

    /** Angus Mail session properties for a client of the proxy on 127.0.0.1. */
    static Properties client(String protocol, int port) {
        Properties props = new Properties();
        props.put("mail." + protocol + ".host", "127.0.0.1");
        props.put("mail." + protocol + ".port", Integer.toString(port));
        props.put("mail." + protocol + ".connectiontimeout", "10000");
        props.put("mail." + protocol + ".timeout", "10000");
        return props;
    }
}
