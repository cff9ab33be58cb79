package io.github.mailproxy.imap;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import javax.net.ssl.SSLContext;

/** Angus Mail as the IMAP client of end-to-end tests, with its protocol trace kept for assertions. */
final class AngusClient {

    private final Properties props = new Properties();
    private final ByteArrayOutputStream trace = new ByteArrayOutputStream();
    private final String protocol;

    private AngusClient(String protocol, int port) {
        this.protocol = protocol;
        String p = "mail." + protocol;
        props.put(p + ".host", "127.0.0.1");
        props.put(p + ".port", Integer.toString(port));
        props.put(p + ".connectiontimeout", "10000");
        props.put(p + ".timeout", "30000");
        // one FETCH for the whole message: the relay must carry a big literal in one go
        props.put(p + ".partialfetch", "false");
        props.put("mail.debug.auth", "true");
    }

    static AngusClient imap(int port) {
        return new AngusClient("imap", port);
    }

    static AngusClient imaps(int port, SSLContext context) {
        AngusClient client = new AngusClient("imaps", port);
        client.props.put("mail.imaps.ssl.socketFactory", context.getSocketFactory());
        return client;
    }

    AngusClient startTls(SSLContext context) {
        props.put("mail.imap.starttls.enable", "true");
        props.put("mail.imap.starttls.required", "true");
        props.put("mail.imap.ssl.socketFactory", context.getSocketFactory());
        return this;
    }

    /** Makes Angus use the LOGIN command rather than AUTHENTICATE. */
    AngusClient loginCommand() {
        props.put("mail.imap.auth.plain.disable", "true");
        props.put("mail.imap.auth.login.disable", "true");
        return this;
    }

    /** Makes Angus use AUTHENTICATE PLAIN. */
    AngusClient authenticatePlain() {
        props.put("mail." + protocol + ".auth.mechanisms", "PLAIN");
        return this;
    }

    /** Makes Angus authenticate with a JDK SASL mechanism ({@code javax.security.sasl}), e.g. CRAM-MD5. */
    AngusClient sasl(String mechanism) {
        props.put("mail." + protocol + ".sasl.enable", "true");
        props.put("mail." + protocol + ".sasl.mechanisms", mechanism);
        // no fallback to LOGIN or PLAIN: a SASL failure must fail the test
        props.put("mail." + protocol + ".auth.mechanisms", mechanism);
        return this;
    }

    Store connect(String user, String password) throws MessagingException {
        Session session = Session.getInstance(props);
        session.setDebug(true);
        session.setDebugOut(new PrintStream(new SynchronizedOutput(trace), true, StandardCharsets.UTF_8));
        Store store = session.getStore(protocol);
        store.connect(user, password);
        return store;
    }

    /** @return the protocol trace so far */
    String trace() {
        synchronized (trace) {
            return trace.toString(StandardCharsets.UTF_8);
        }
    }

    /** The trace is written by Angus' threads and read by the test's. */
    private static final class SynchronizedOutput extends java.io.OutputStream {
        private final ByteArrayOutputStream target;

        SynchronizedOutput(ByteArrayOutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            synchronized (target) {
                target.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (target) {
                target.write(b, off, len);
            }
        }
    }
}
