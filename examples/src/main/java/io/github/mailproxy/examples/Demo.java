package io.github.mailproxy.examples;

import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.ListenerBindException;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.passdb.jdbc.JdbcPassDb;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The demo: two GreenMail servers stand for two backend hosts (127.0.0.1 and 127.0.0.2), an
 * in-memory H2 database holds the seed's {@code proxy} table, a {@link JdbcPassDb} runs the seed's
 * query against it (with {@code proxy_maybe} and a password column), and the proxy listens on
 * 127.0.0.1 in front of it all with password forwarding. Users whose host is {@link #THIS_NODE} are
 * served in-process by GreenMail's IMAP and POP3 handlers, through the proxy's local handlers
 * ({@link DemoLocalServer}).
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

    /**
     * The address that stands for this node in the {@code host} column: the proxy's
     * {@link ProxyServer.Builder#proxySelf proxySelf}, so that {@code proxy_maybe} serves its users here.
     */
    public static final String THIS_NODE = "127.0.0.3";

    /** The demo's users: the rows of the {@code proxy} table, and mailboxes on their hosts. */
    public static final List<User> USERS = List.of(
            new User("alice", "alice-secret", "127.0.0.1", "",
                    List.of("Welcome, alice: your mailbox is on 127.0.0.1", "Lunch on Friday?")),
            new User("bob", "bob-secret", "127.0.0.2", "",
                    List.of("Welcome, bob: your mailbox is on 127.0.0.2", "Build is green")),
            new User("carol", "carol-secret", "127.0.0.1", "",
                    List.of("Welcome, carol: your mailbox is on 127.0.0.1", "Slides attached", "Re: Q3")),
            new User("dave", "dave-secret", "127.0.0.2", "dave.jones",
                    List.of("Welcome, dave.jones: your mailbox is on 127.0.0.2 (destuser)")),
            new User("erin", "erin-secret", THIS_NODE, "",
                    List.of("Welcome, erin: your mailbox is on this node, served in-process")),
            new User("frank", "frank-secret", THIS_NODE, "",
                    List.of("Welcome, frank: your mailbox is on this node, served in-process", "Minutes")));

    /**
     * A demo user.
     *
     * @param login    the user name, column {@code user}
     * @param password the password: for users on a backend host only the backend knows it (column
     *                 {@code password} is NULL); for users of this node the column holds its hash
     * @param host     the backend host, column {@code host}; {@link #THIS_NODE} for users served here
     * @param destuser the user name on the backend, column {@code destuser}; empty for the login
     * @param subjects the subjects of the messages in the user's INBOX
     */
    public record User(String login, String password, String host, String destuser, List<String> subjects) {

        /** Copies the subjects. */
        public User {
            subjects = List.copyOf(subjects);
        }

        /** @return whether the user's mailbox is on this node, served by the proxy's local handlers */
        public boolean local() {
            return THIS_NODE.equals(host);
        }

        @Override
        public String toString() {
            return "User[login=" + login + ", host=" + host + ", destuser=" + destuser + ", messages="
                    + subjects.size() + "]";
        }
    }

    private final DemoBackends backends;
    private final DemoLocalServer local;
    private final DemoDatabase database;
    private final JdbcPassDb passDb;
    private final ProxyServer proxy;

    private Demo(DemoBackends backends, DemoLocalServer local, DemoDatabase database, JdbcPassDb passDb,
                 ProxyServer proxy) {
        this.backends = backends;
        this.local = local;
        this.database = database;
        this.passDb = passDb;
        this.proxy = proxy;
    }

    /**
     * Starts the backends, the database and the proxy.
     *
     * @param imapPort the proxy's IMAP port; 0 for an ephemeral port
     * @param pop3Port the proxy's POP3 port; 0 for an ephemeral port
     * @return the running demo; the caller closes it
     * @throws ListenerBindException      naming the listener if its port is taken
     * @throws java.io.UncheckedIOException if 127.0.0.2, the second backend host, cannot be bound
     */
    public static Demo start(int imapPort, int pop3Port) {
        DemoBackends backends = DemoBackends.start(USERS.stream().filter(u -> !u.local()).toList());
        DemoLocalServer local = new DemoLocalServer(USERS.stream().filter(User::local).toList());
        DemoDatabase database = null;
        JdbcPassDb passDb = null;
        try {
            database = DemoDatabase.create(USERS);
            passDb = new JdbcPassDb(database.dataSource(), DemoDatabase.QUERY);
            ProxyServer proxy = ProxyServer.builder()
                    .listen(ImapProtocol.plain(new InetSocketAddress(HOST, imapPort)))
                    .listen(Pop3Protocol.plain(new InetSocketAddress(HOST, pop3Port)))
                    .passDb(new BackendPorts(passDb, backends.imapPort(), backends.pop3Port()))
                    .authStrategy(AuthStrategy.passwordForwarding())
                    .proxySelf(THIS_NODE)
                    .localHandler(ImapProtocol.NAME, local.imap())
                    .localHandler(Pop3Protocol.NAME, local.pop3())
                    .build();
            proxy.start();
            return new Demo(backends, local, database, passDb, proxy);
        } catch (RuntimeException e) {
            if (passDb != null) {
                passDb.close();
            }
            if (database != null) {
                database.close();
            }
            local.close();
            backends.close();
            throw e;
        }
    }

    /**
     * The seed's query gives no port, which means the protocol's standard one (143, 110); the demo's
     * backends listen on other ports, so this adds them to every row that has none, as Dovecot's
     * {@code default_fields} would.
     */
    private record BackendPorts(PassDb passDb, int imapPort, int pop3Port) implements PassDb {

        @Override
        public CompletionStage<PassDbResult> lookup(io.github.mailproxy.AuthRequest request) {
            int port = Pop3Protocol.NAME.equals(request.protocol()) ? pop3Port : imapPort;
            return passDb.lookup(request).thenApply(result -> {
                if (!result.isFound() || result.field(PassDbResult.PORT).isPresent()) {
                    return result;
                }
                Map<String, String> fields = new HashMap<>(result.fields());
                fields.put(PassDbResult.PORT, Integer.toString(port));
                return PassDbResult.found(fields);
            });
        }

        @Override
        public Set<CacheKeyPart> cacheKey() {
            return passDb.cacheKey();
        }

        /** Adding a port never blocks: this is as non-blocking as the PassDb it wraps. */
        @Override
        public boolean nonBlocking() {
            return passDb.nonBlocking();
        }
    }

    /** @return the running proxy */
    public ProxyServer proxy() {
        return proxy;
    }

    /** @return the proxy's IMAP port */
    public int imapPort() {
        return proxy().port(ImapProtocol.NAME);
    }

    /** @return the proxy's POP3 port */
    public int pop3Port() {
        return proxy().port(Pop3Protocol.NAME);
    }

    /** @return what the command line prints: where things listen, the users, commands to try */
    public String banner() {
        StringBuilder s = new StringBuilder()
                .append("mailproxy demo\n")
                .append(String.format("  backends  GreenMail on %s, each with IMAP on port %d and POP3 on port %d%n",
                        String.join(" and ", DemoBackends.HOSTS), backends.imapPort(), backends.pop3Port()))
                .append(String.format("  local     GreenMail's IMAP and POP3 handlers in-process, for host %s (this node)%n",
                        THIS_NODE))
                .append("  passdb    H2 in memory, the seed's table proxy with a password column, through JdbcPassDb:\n")
                .append("              ").append(DemoDatabase.QUERY).append('\n')
                .append("            (user quoted for H2; the port of the backends is added to each row)\n")
                .append(String.format("  proxy     IMAP %s:%d, POP3 %s:%d, password forwarding, proxySelf %s%n%n",
                        HOST, imapPort(), HOST, pop3Port(), THIS_NODE))
                .append("Users (rows of table proxy; a backend checks the password of its users,\n")
                .append("the proxy checks the password hash of this node's users):\n")
                .append(String.format("  %-6s %-13s %-10s %-11s %s%n", "user", "password", "host", "destuser",
                        "messages"));
        for (User user : USERS) {
            s.append(String.format("  %-6s %-13s %-10s %-11s %d%n", user.login(), user.password(), user.host(),
                    user.destuser().isEmpty() ? "-" : user.destuser(), user.subjects().size()));
        }
        User alice = USERS.get(0);
        User bob = USERS.get(1);
        User dave = USERS.get(3);
        User erin = USERS.get(4);
        User frank = USERS.get(5);
        return s.append("\nTry, proxied to a backend host:\n")
                .append(String.format("  curl -v --url \"imap://%s:%d/INBOX?ALL\" --user %s:%s%n",
                        HOST, imapPort(), alice.login(), alice.password()))
                .append(String.format("  curl --url \"imap://%s:%d/INBOX;UID=1\" --user %s:%s%n",
                        HOST, imapPort(), bob.login(), bob.password()))
                .append(String.format("  curl --url \"pop3://%s:%d/1\" --user %s:%s%n",
                        HOST, pop3Port(), dave.login(), dave.password()))
                .append("and served on this node, in-process (proxy_maybe):\n")
                .append(String.format("  curl -v --url \"imap://%s:%d/INBOX?ALL\" --user %s:%s%n",
                        HOST, imapPort(), erin.login(), erin.password()))
                .append(String.format("  curl --url \"pop3://%s:%d/1\" --user %s:%s%n",
                        HOST, pop3Port(), frank.login(), frank.password()))
                .append("\nOne line per session is logged when it ends. Ctrl-C stops the demo.\n")
                .toString();
    }

    /** Closes the proxy, the passdb, the database, then the backends. */
    @Override
    public void close() {
        try {
            proxy.close();
            passDb.close();
            database.close();
        } finally {
            local.close();
            backends.close();
        }
    }
}
