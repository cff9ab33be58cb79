package io.github.mailproxy.testing.dovecot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private Dovecot (2.3) for interop tests: its own configuration, {@code base_dir}, state, log and
 * Maildirs under a fresh temporary directory, IMAP and POP3 on free loopback ports, run as a child
 * process ({@code dovecot -F -c ...}) and stopped by {@link #close()}. It never touches the system's
 * Dovecot, its configuration or the ports 143/110.
 *
 * <p>What it sets up: users in a passwd-file with {@code {SHA512-CRYPT}} hashes made by
 * {@code doveadm pw}; a master passdb ({@code master = yes}, {@code pass = yes}) holding one master
 * user with a {@code {PLAIN}} password; {@code auth_master_user_separator}; {@code auth_mechanisms =
 * plain login}; {@code login_trusted_networks = 127.0.0.0/8}, so that a proxy's ID fields
 * ({@code x-originating-ip}, {@code x-originating-port}) are believed; a login log line that carries
 * {@code rip=} and {@code rport=}. With {@link Builder#haproxy()}, one more IMAP and POP3 listener each
 * with {@code haproxy = yes} ({@link #imapHaproxyPort()}, {@link #pop3HaproxyPort()}) and
 * {@code haproxy_trusted_networks = 127.0.0.0/8}: connections there must start with a PROXY protocol
 * header. Mail is stored as the {@code dovecot} user when run as root (the
 * temporary tree is chowned to it), else as the current user.
 *
 * <pre>{@code
 * try (PrivateDovecot dovecot = PrivateDovecot.builder()
 *         .user("alice", "pw-alice")
 *         .masterUser("proxy", "secret")
 *         .start()) {
 *     int imap = dovecot.imapPort();
 *     dovecot.deliver("alice", rawMessageBytes);
 *     dovecot.awaitLog(Pattern.compile("Login: user=<alice>"), Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>JDK only; shared by the IMAP and POP3 interop tests through proxy-core's test-jar.
 */
public final class PrivateDovecot implements AutoCloseable {

    /** The Dovecot master binary. */
    public static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    /** The IMAP and POP3 mail processes; the packages that bring them may be missing. */
    public static final Path IMAP_BINARY = Path.of("/usr/lib/dovecot/imap");
    public static final Path POP3_BINARY = Path.of("/usr/lib/dovecot/pop3");
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private final Path dir;
    private final Process process;
    private final int imapPort;
    private final int pop3Port;
    private final int uid;
    private final int gid;
    private final int[] haproxyPorts;

    private PrivateDovecot(Path dir, Process process, int imapPort, int pop3Port, int uid, int gid, int[] haproxyPorts) {
        this.dir = dir;
        this.process = process;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
        this.uid = uid;
        this.gid = gid;
        this.haproxyPorts = haproxyPorts;
    }

    /** @return the IMAP port on 127.0.0.1 that expects a PROXY protocol header ({@link Builder#haproxy()}) */
    public int imapHaproxyPort() {
        return haproxyPort(0);
    }

    /** @return the POP3 port on 127.0.0.1 that expects a PROXY protocol header ({@link Builder#haproxy()}) */
    public int pop3HaproxyPort() {
        return haproxyPort(1);
    }

    private int haproxyPort(int index) {
        if (haproxyPorts.length == 0) {
            throw new IllegalStateException("started without Builder.haproxy()");
        }
        return haproxyPorts[index];
    }

    /** @return whether Dovecot with IMAP and POP3 is installed here */
    public static boolean installed() {
        return Files.isExecutable(DOVECOT) && Files.isExecutable(IMAP_BINARY) && Files.isExecutable(POP3_BINARY);
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the IMAP port on 127.0.0.1 */
    public int imapPort() {
        return imapPort;
    }

    /** @return the POP3 port on 127.0.0.1 */
    public int pop3Port() {
        return pop3Port;
    }

    /** @return the temporary directory holding configuration, log and mail */
    public Path directory() {
        return dir;
    }

    /** @return the log so far (Dovecot's {@code log_path}) */
    public String log() {
        try {
            Path log = dir.resolve("dovecot.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until a log line matches, because Dovecot writes its log asynchronously.
     *
     * @param pattern  what to find
     * @param deadline how long to wait at most
     * @return the first match
     * @throws AssertionError with the log's tail if nothing matched in time
     */
    public Matcher awaitLog(Pattern pattern, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Matcher m = pattern.matcher(log());
            if (m.find()) {
                return m;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no log line matching " + pattern + " within " + deadline + "; log tail:\n" + tail());
            }
            try {
                // polling a file: there is nothing to wait on
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /**
     * Puts a message in a user's INBOX, as a delivery agent would (a file in the Maildir's {@code new}).
     *
     * @param user    the mail user
     * @param message the raw RFC 5322 message, CRLF line ends
     */
    public void deliver(String user, byte[] message) {
        try {
            Path maildir = dir.resolve("home").resolve(user).resolve("Maildir");
            for (String sub : List.of("new", "cur", "tmp")) {
                Files.createDirectories(maildir.resolve(sub));
            }
            String name = System.currentTimeMillis() / 1000 + ".M" + DELIVERIES.incrementAndGet() + "P" + ProcessHandle.current().pid()
                    + ".mailproxy-test";
            Path tmp = maildir.resolve("tmp").resolve(name);
            Files.write(tmp, message);
            chown(dir.resolve("home").resolve(user));
            Files.move(tmp, maildir.resolve("new").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops Dovecot (SIGTERM to the master, which stops its children) and removes the directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    private String tail() {
        String log = log();
        return log.substring(Math.max(0, log.length() - 4000));
    }

    private void chown(Path root) throws IOException {
        if (!isRoot()) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.setAttribute(p, "unix:uid", uid);
                Files.setAttribute(p, "unix:gid", gid);
            }
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a socket Dovecot removes itself, or a file still held: the temp dir is best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort, see above
        }
    }

    @Override
    public String toString() {
        return "PrivateDovecot[" + dir + ", imap=" + imapPort + ", pop3=" + pop3Port + "]";
    }

    /** Users, master user and separator of a {@link PrivateDovecot}. */
    public static final class Builder {
        private final Map<String, String> users = new LinkedHashMap<>();
        private String masterUser = "proxy";
        private String masterPassword = "secret";
        private String separator = "*";
        private boolean haproxy;

        private Builder() {
        }

        /**
         * Adds an IMAP and a POP3 listener with Dovecot's {@code haproxy = yes}, trusting loopback
         * ({@code haproxy_trusted_networks = 127.0.0.0/8}).
         *
         * @return this builder
         */
        public Builder haproxy() {
            this.haproxy = true;
            return this;
        }

        /**
         * @param name     a mail user
         * @param password its password, stored as {@code {SHA512-CRYPT}} from {@code doveadm pw}
         * @return this builder
         */
        public Builder user(String name, String password) {
            users.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(password, "password"));
            return this;
        }

        /**
         * @param name     the master user (default {@code proxy})
         * @param password its password (default {@code secret})
         * @return this builder
         */
        public Builder masterUser(String name, String password) {
            this.masterUser = Objects.requireNonNull(name, "name");
            this.masterPassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * @param separator Dovecot's {@code auth_master_user_separator} (default {@code *})
         * @return this builder
         */
        public Builder separator(String separator) {
            this.separator = Objects.requireNonNull(separator, "separator");
            return this;
        }

        /**
         * Writes the configuration, starts Dovecot and waits until its IMAP and POP3 ports answer.
         *
         * @return the running instance; close it
         * @throws IllegalStateException if Dovecot is not installed or does not come up in time
         */
        public PrivateDovecot start() {
            if (!installed()) {
                throw new IllegalStateException("Dovecot is not installed (" + DOVECOT + ", " + IMAP_BINARY + ")");
            }
            Path dir = null;
            try {
                // short: Dovecot's unix sockets live under base_dir and socket paths are limited to ~108 bytes
                dir = Files.createTempDirectory(Path.of("/tmp"), "dc");
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                return launch(dir);
            } catch (IOException e) {
                if (dir != null) {
                    deleteTree(dir);
                }
                throw new UncheckedIOException(e);
            } catch (RuntimeException | Error e) {
                if (dir != null) {
                    deleteTree(dir);
                }
                throw e;
            }
        }

        private PrivateDovecot launch(Path dir) throws IOException {
            boolean root = isRoot();
            String internalUser = root ? "dovecot" : System.getProperty("user.name");
            String loginUser = root ? "dovenull" : internalUser;
            int[] ids = root ? passwdIds("dovecot") : new int[] {
                    (Integer) Files.getAttribute(dir, "unix:uid"), (Integer) Files.getAttribute(dir, "unix:gid")};
            Files.createDirectories(dir.resolve("home"));
            StringBuilder passwd = new StringBuilder();
            for (Map.Entry<String, String> user : users.entrySet()) {
                passwd.append(user.getKey()).append(':').append(hash(user.getValue())).append("::::::\n");
            }
            Files.writeString(dir.resolve("users.passwd"), passwd);
            Files.writeString(dir.resolve("master.passwd"), masterUser + ":{PLAIN}" + masterPassword + "\n");
            int imapPort = freePort();
            int pop3Port = freePort();
            int[] haproxyPorts = haproxy ? new int[] {freePort(), freePort()} : new int[0];
            Files.writeString(dir.resolve("dovecot.conf"),
                    config(dir, internalUser, loginUser, ids, imapPort, pop3Port, haproxyPorts));
            PrivateDovecot dovecot = null;
            Process process = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            dovecot = new PrivateDovecot(dir, process, imapPort, pop3Port, ids[0], ids[1], haproxyPorts);
            if (root) {
                dovecot.chown(dir.resolve("home"));
            }
            awaitPorts(dovecot, imapPort, pop3Port);
            awaitPorts(dovecot, haproxyPorts);
            return dovecot;
        }

        private static void awaitPorts(PrivateDovecot dovecot, int... ports) throws IOException {
            long end = System.nanoTime() + START_DEADLINE.toNanos();
            for (int port : ports) {
                while (!answers(port)) {
                    if (!dovecot.process.isAlive() || System.nanoTime() > end) {
                        String out = Files.readString(dovecot.dir.resolve("stdout.log"));
                        String log = dovecot.log();
                        dovecot.close();
                        throw new IllegalStateException("Dovecot did not come up on port " + port + "; output:\n" + out
                                + "\nlog:\n" + log);
                    }
                    try {
                        // nothing to wait on but the port itself
                        TimeUnit.MILLISECONDS.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        dovecot.close();
                        throw new IllegalStateException("interrupted while starting Dovecot", e);
                    }
                }
            }
        }

        private static boolean answers(int port) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private String config(Path dir, String internalUser, String loginUser, int[] ids, int imapPort, int pop3Port,
                              int[] haproxyPorts) {
            List<String> lines = new ArrayList<>(List.of(
                    "# written by mailproxy's PrivateDovecot; private instance for tests",
                    "base_dir = " + dir.resolve("run"),
                    "state_dir = " + dir.resolve("state"),
                    "log_path = " + dir.resolve("dovecot.log"),
                    "instance_name = mailproxy-test-" + dir.getFileName(),
                    "ssl = no",
                    "listen = 127.0.0.1",
                    "protocols = imap pop3",
                    "default_internal_user = " + internalUser,
                    "default_login_user = " + loginUser,
                    "first_valid_uid = " + ids[0],
                    "last_valid_uid = " + ids[0],
                    "first_valid_gid = " + ids[1],
                    "last_valid_gid = " + ids[1],
                    "disable_plaintext_auth = no",
                    "auth_mechanisms = plain login",
                    "auth_master_user_separator = " + separator,
                    "auth_verbose = yes",
                    "auth_failure_delay = 0",
                    "login_trusted_networks = 127.0.0.0/8",
                    "login_log_format_elements = user=<%u> method=%m rip=%r rport=%{rport} lip=%l lport=%{lport}"
                            + " mpid=%e %c session=<%{session}>",
                    "mail_location = maildir:~/Maildir",
                    "pop3_uidl_format = %08Xu%08Xv",
                    "passdb {",
                    "  driver = passwd-file",
                    "  master = yes",
                    "  pass = yes",
                    "  args = scheme=PLAIN " + dir.resolve("master.passwd"),
                    "}",
                    "passdb {",
                    "  driver = passwd-file",
                    "  args = scheme=SHA512-CRYPT " + dir.resolve("users.passwd"),
                    "}",
                    "userdb {",
                    "  driver = static",
                    "  args = uid=" + ids[0] + " gid=" + ids[1] + " home=" + dir.resolve("home") + "/%u",
                    "}",
                    "service imap-login {",
                    "  inet_listener imap {",
                    "    address = 127.0.0.1",
                    "    port = " + imapPort,
                    "  }",
                    "  inet_listener imaps {",
                    "    port = 0",
                    "  }",
                    haproxyListener("imap", haproxyPorts, 0),
                    "}",
                    "service pop3-login {",
                    "  inet_listener pop3 {",
                    "    address = 127.0.0.1",
                    "    port = " + pop3Port,
                    "  }",
                    "  inet_listener pop3s {",
                    "    port = 0",
                    "  }",
                    haproxyListener("pop3", haproxyPorts, 1),
                    "}"));
            if (haproxyPorts.length > 0) {
                lines.add("haproxy_trusted_networks = 127.0.0.0/8");
            }
            return String.join("\n", lines) + "\n";
        }

        private static String haproxyListener(String protocol, int[] ports, int index) {
            return ports.length == 0 ? "" : String.join("\n",
                    "  inet_listener " + protocol + "_haproxy {",
                    "    address = 127.0.0.1",
                    "    port = " + ports[index],
                    "    haproxy = yes",
                    "  }");
        }

        /** {@code doveadm pw}, without reading any configuration ({@code -O}). */
        private static String hash(String password) throws IOException {
            Process p = new ProcessBuilder("doveadm", "-O", "pw", "-s", "SHA512-CRYPT", "-p", password)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("{SHA512-CRYPT}$6$")) {
                    throw new IllegalStateException("doveadm pw failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            return out;
        }

        private static int[] passwdIds(String user) throws IOException {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 3 && f[0].equals(user)) {
                    return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
                }
            }
            throw new IllegalStateException("no system user " + user + " (the dovecot-core package creates it)");
        }

        /** A port free now: bound on loopback, then released for Dovecot to take. */
        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }
    }
}
