package io.github.mailproxy.examples;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A mail server that embeds the proxy and keeps some users' mail itself: the users of its own domain
 * have their mailboxes in its in-process store (here GreenMail, on loopback), everyone else is
 * proxied to remote backends. One {@link RoutingPassDb} decides both, so clients see one server.
 *
 * <pre>{@code
 * try (MailServerExample server = MailServerExample.start("example.org",
 *         List.of(RoutingPassDb.Backend.of("store-a", "10.0.1.1"), RoutingPassDb.Backend.of("store-b", "10.0.1.2")))) {
 *     server.addLocalUser("alice@example.org", "secret");
 *     int imap = server.proxy().port("imap");
 * }
 * }</pre>
 */
public final class MailServerExample implements AutoCloseable {

    private static final String LOOPBACK = "127.0.0.1";

    private final GreenMail store;
    private final RoutingPassDb passDb;
    private final ProxyServer proxy;

    private MailServerExample(GreenMail store, RoutingPassDb passDb, ProxyServer proxy) {
        this.store = store;
        this.passDb = passDb;
        this.proxy = proxy;
    }

    /**
     * Starts the local store and the proxy in front of it and of the remote backends, all on
     * ephemeral loopback ports.
     *
     * @param localDomain    the domain whose users this server keeps itself
     * @param remoteBackends where everyone else is, spread by a stable hash of the user
     * @return the running server; the caller closes it
     */
    public static MailServerExample start(String localDomain, List<RoutingPassDb.Backend> remoteBackends) {
        GreenMail store = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, LOOPBACK, ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, LOOPBACK, ServerSetup.PROTOCOL_POP3)});
        store.start();
        try {
            RoutingPassDb passDb = RoutingPassDb.builder()
                    .domain(localDomain, new RoutingPassDb.Backend("local", LOOPBACK,
                            store.getImap().getPort(), store.getPop3().getPort()))
                    .hashed(remoteBackends)
                    .build();
            ProxyServer proxy = ProxyServer.builder()
                    .listen(ImapProtocol.plain(new InetSocketAddress(LOOPBACK, 0)))
                    .listen(Pop3Protocol.plain(new InetSocketAddress(LOOPBACK, 0)))
                    .passDb(passDb)
                    .authStrategy(AuthStrategy.passwordForwarding())  // the store and the backends check passwords
                    .build();
            proxy.start();
            return new MailServerExample(store, passDb, proxy);
        } catch (RuntimeException e) {
            store.stop();
            throw e;
        }
    }

    /**
     * Gives a user of the local domain a mailbox in this server's own store.
     *
     * @param email    the address, which is also the login
     * @param password the password
     * @return the mailbox, to deliver to
     */
    public GreenMailUser addLocalUser(String email, String password) {
        return store.setUser(email, email, password);
    }

    /** @return where users are routed: the local store or a remote backend */
    public RoutingPassDb passDb() {
        return passDb;
    }

    /** @return the proxy clients connect to */
    public ProxyServer proxy() {
        return proxy;
    }

    /** Closes the proxy, then the store. */
    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            store.stop();
        }
    }
}
