package io.github.mailproxy.examples;

import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.imap.ImapProtocol;
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
}
