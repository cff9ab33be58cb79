package io.github.mailproxy.examples;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.passdb.jdbc.JdbcPassDb;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The README's embedding example, compiled and tested with the build so that the README cannot
 * drift from the API.
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    /**
     * Starts an IMAP proxy on an ephemeral loopback port that sends every user to one backend,
     * which checks the passwords itself.
     *
     * @param backendHost the backend mail server
     * @param backendPort its IMAP port
     * @return the running proxy; the caller closes it
     */
    public static ProxyServer start(String backendHost, int backendPort) {
        ProxyServer server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))  // 0: any free port
                .passDb(StaticPassDb.parse("proxy=y host=" + backendHost + " port=" + backendPort + " nopassword=y"))
                .authStrategy(AuthStrategy.passwordForwarding())
                .loginTimeout(Duration.ofSeconds(30))
                .build();
        server.start();
        return server;  // clients connect to 127.0.0.1:server.port(ImapProtocol.NAME)
    }

    /**
     * Starts an IMAP and POP3 proxy that finds each user's backend with the seed's query, through a
     * JDBC PassDb, with an auth cache.
     *
     * <pre>{@code
     * JdbcPassDb passDb = new JdbcPassDb(dataSource,   // a HikariCP pool in production
     *     "SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'");
     * ProxyServer server = EmbeddingExample.startWithJdbc(passDb);
     * ...
     * server.close();
     * passDb.close();
     * }</pre>
     *
     * @param passDb the JDBC PassDb; the caller closes it after the server
     * @return the running proxy; the caller closes it
     */
    public static ProxyServer startWithJdbc(JdbcPassDb passDb) {
        ProxyServer server = ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .authStrategy(AuthStrategy.passwordForwarding())
                .capabilityFilter(CapabilityFilter.remove("COMPRESS=DEFLATE"))
                .authCache(AuthCacheSpec.maximumSize(4096).expireAfterWrite(Duration.ofMinutes(5)))
                .build();
        server.start();
        return server;
    }
}
