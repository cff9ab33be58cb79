package io.github.mailproxy.examples;

import io.github.mailproxy.LocalSession;
import io.github.mailproxy.LocalSessionHandler;
import io.github.mailproxy.LocalStreams;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * The README's local-handler example, compiled and tested with the build: a mail server that embeds
 * the proxy, serves the users whose {@code host} is this node itself, and proxies the others.
 */
public final class LocalHandlerExample {

    private LocalHandlerExample() {
    }

    /**
     * Starts an IMAP proxy on an ephemeral loopback port. PassDb rows such as
     * {@code proxy_maybe=y host=10.0.0.5 password={SHA256}...} go to {@code imapServer} when
     * {@code 10.0.0.5} is {@code thisNode}, and to 10.0.0.5 otherwise.
     *
     * @param passDb     the users; those of this node need a password the proxy checks
     * @param thisNode   this node's address as the PassDb names it
     * @param threads    runs one session each; bound it
     * @param imapServer the application's IMAP server, entered in the authenticated state
     * @return the running proxy; the caller closes it
     */
    public static ProxyServer start(PassDb passDb, String thisNode, ExecutorService threads,
                                    LocalStreams.Service imapServer) {
        return ProxyServer.builder()
                .listen(ImapProtocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(passDb)
                .proxySelf(thisNode)
                .localHandler(ImapProtocol.NAME, LocalStreams.handler(List.of("IMAP4rev1", "IDLE"), threads, imapServer))
                .build()
                .start();
    }

    /**
     * The non-blocking form, for servers built on the event loop: every line the client sends comes
     * back, with back-pressure (a client that does not read stops being read).
     *
     * @return the handler
     */
    public static LocalSessionHandler echo() {
        return session -> new LocalSession.Receiver() {
            private boolean blocked;

            @Override
            public void onInput(ByteBuffer input) {
                if (!blocked) {
                    blocked = !session.write(input);  // false: the client reads too slowly
                }
                // while blocked, input is left unconsumed: the proxy holds it and reads the client no more
            }

            @Override
            public void onWritable() {
                blocked = false;
                session.resumeInput();  // offers the held input again
            }

            @Override
            public void onClosed() {
                // nothing held: the session gave its buffers back
            }
        };
    }
}
