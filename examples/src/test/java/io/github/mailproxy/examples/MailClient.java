package io.github.mailproxy.examples;

import io.github.mailproxy.testing.TestTls;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Angus Mail as the client: logs in, reads the subjects in INBOX, logs out. */
public final class MailClient {

    private MailClient() {
    }

    /**
     * @param protocol {@code imap} or {@code pop3}
     * @return the subjects of the messages in the user's INBOX, in order
     */
    public static List<String> inboxSubjects(String protocol, int port, String user, String password)
            throws MessagingException {
        return inboxSubjects(protocol, new Properties(), port, user, password);
    }

    /**
     * Over implicit TLS, trusting proxy-core's test certificate.
     *
     * @param protocol {@code imaps} or {@code pop3s}
     */
    public static List<String> inboxSubjectsOverTls(String protocol, int port, String user, String password)
            throws MessagingException {
        Properties p = new Properties();
        p.put("mail." + protocol + ".ssl.socketFactory", TestTls.clientContext().getSocketFactory());
        p.setProperty("mail." + protocol + ".ssl.checkserveridentity", "true");
        return inboxSubjects(protocol, p, port, user, password);
    }

    private static List<String> inboxSubjects(String protocol, Properties p, int port, String user, String password)
            throws MessagingException {
        p.setProperty("mail." + protocol + ".connectiontimeout", "10000");
        p.setProperty("mail." + protocol + ".timeout", "10000");
        Store store = Session.getInstance(p).getStore(protocol);
        store.connect("127.0.0.1", port, user, password);
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
}
