package io.github.mailproxy.examples;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.imap.ImapHandler;
import com.icegreen.greenmail.pop3.Pop3Handler;
import com.icegreen.greenmail.pop3.commands.Pop3CommandRegistry;
import com.icegreen.greenmail.user.GreenMailUser;
import io.github.mailproxy.LocalSession;
import io.github.mailproxy.LocalSessionHandler;
import io.github.mailproxy.LocalStreams;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The demo's own mail store, for the users whose mailbox is on this node: GreenMail's mailboxes and
 * its IMAP and POP3 protocol handlers, run in-process on the proxy's local sessions through
 * {@link LocalStreams}; nothing listens on a port of its own.
 *
 * <p>GreenMail's handlers always begin with a greeting and a login, while a local session begins
 * logged in (the proxy has checked the password and answered the client). So each session starts
 * with a login the demo writes on the user's behalf ({@code LOGIN}, or {@code USER}/{@code PASS}),
 * whose replies, and the greeting, are kept from the client. A mail server that can start a session
 * in the authenticated state needs none of this.
 */
final class DemoLocalServer implements AutoCloseable {

    /** Capabilities of GreenMail's IMAP server after login, for the proxy's tagged OK. */
    private static final List<String> IMAP_CAPABILITIES =
            List.of("IMAP4rev1", "LITERAL+", "UIDPLUS", "SORT", "IDLE", "MOVE", "QUOTA");
    private static final String LOGIN_TAG = "demo-login";

    private final Managers managers = new Managers();
    private final Map<String, String> passwords = new HashMap<>();
    /** One thread per local session, at most 100; beyond, the session is refused (the log says so). */
    private final ExecutorService threads = new ThreadPoolExecutor(0, 100, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "demo-local-session");
                t.setDaemon(true);
                return t;
            });

    /**
     * @param users the demo users whose mailbox is here
     */
    DemoLocalServer(List<Demo.User> users) {
        for (Demo.User user : users) {
            GreenMailUser mailbox;
            try {
                mailbox = managers.getUserManager().createUser(user.login() + "@example.org", user.login(), user.password());
            } catch (com.icegreen.greenmail.user.UserException e) {
                throw new IllegalStateException("cannot create the local mailbox of " + user.login(), e);
            }
            passwords.put(user.login(), user.password());
            for (String subject : user.subjects()) {
                mailbox.deliver(DemoBackends.message(mailbox.getEmail(), subject));
            }
        }
    }

    /** @return the IMAP handler to register on the proxy */
    LocalSessionHandler imap() {
        return LocalStreams.handler(IMAP_CAPABILITIES, threads, (session, in, out) -> {
            String login = LOGIN_TAG + " LOGIN \"" + session.user() + "\" \"" + password(session) + "\"\r\n";
            StreamSocket socket = socket(session, in, login, new Hidden(out, LOGIN_TAG + " "));
            new ImapHandler(managers.getUserManager(), managers.getImapHostManager(), socket).run();
        });
    }

    /** @return the POP3 handler to register on the proxy */
    LocalSessionHandler pop3() {
        return LocalStreams.handler(List.of(), threads, (session, in, out) -> {
            String login = "USER " + session.user() + "\r\nPASS " + password(session) + "\r\n";
            StreamSocket socket = socket(session, in, login, new Hidden(out, 3));
            new Pop3Handler(new Pop3CommandRegistry(), managers.getUserManager(), socket).run();
        });
    }

    private String password(LocalSession session) throws IOException {
        String password = passwords.get(session.user());
        if (password == null) {
            throw new IOException("no local mailbox for the user");
        }
        return password;
    }

    private static StreamSocket socket(LocalSession session, InputStream client, String login, OutputStream out) {
        InputStream in = new SequenceInputStream(
                new ByteArrayInputStream(login.getBytes(StandardCharsets.UTF_8)), client);
        return new StreamSocket(in, out, session.clientAddress().getAddress(), session.clientAddress().getPort());
    }

    /** Stops the sessions' threads. */
    @Override
    public void close() {
        threads.shutdownNow();
    }

    /**
     * Keeps the greeting and the replies to the demo's own login from the client: every line up to
     * and including the one that starts with a tag, or a number of lines.
     */
    private static final class Hidden extends OutputStream {
        private final OutputStream out;
        private final byte[] tag;
        private int linesLeft;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private boolean passing;

        Hidden(OutputStream out, String tag) {
            this.out = out;
            this.tag = tag.getBytes(StandardCharsets.US_ASCII);
            this.linesLeft = Integer.MAX_VALUE;
        }

        Hidden(OutputStream out, int lines) {
            this.out = out;
            this.tag = null;
            this.linesLeft = lines;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int i = off;
            while (!passing && i < off + len) {
                byte c = b[i++];
                line.write(c);
                if (c == '\n') {
                    byte[] done = line.toByteArray();
                    line.reset();
                    linesLeft--;
                    passing = linesLeft == 0 || (tag != null && java.util.Arrays.equals(done, 0,
                            Math.min(done.length, tag.length), tag, 0, tag.length));
                }
            }
            if (passing && i < off + len) {
                out.write(b, i, off + len - i);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
