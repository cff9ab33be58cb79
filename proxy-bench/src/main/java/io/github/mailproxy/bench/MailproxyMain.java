package io.github.mailproxy.bench;

import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * mailproxy as the load benchmark runs it, in a JVM of its own: IMAP and POP3 listeners on loopback,
 * every user sent to the backend with {@code proxy=y nopassword=y} (the same answer Dovecot's proxy
 * and nginx get), the client's password forwarded; the limits on connections and logins per address lifted,
 * since every benchmark client comes from 127.0.0.1; every other setting is the library's default. The answer is computed, not cached, as in
 * Dovecot's static passdb.
 *
 * <p>Arguments: {@code imapPort pop3Port backendImapPort backendPop3Port [keystore password provider]}; with
 * the last three, both listeners are implicit TLS (IMAPS, POP3S) with the keystore's key, made by the
 * TLS provider ({@code jdk} or {@code conscrypt}), which is also the server's {@code tlsProvider}.
 */
public final class MailproxyMain {

    private MailproxyMain() {
    }

    /**
     * Runs until killed.
     *
     * @param args {@code imapPort pop3Port backendImapPort backendPop3Port [keystore password provider]}
     * @throws Exception when the keystore cannot be read
     */
    public static void main(String[] args) throws Exception {
        int imapPort = Integer.parseInt(args[0]);
        int pop3Port = Integer.parseInt(args[1]);
        String backendImap = args[2];
        String backendPop3 = args[3];
        // answers from memory, so it says so: called on the loops, as Dovecot's static passdb is in-process
        PassDb passDb = new PassDb() {
            @Override
            public java.util.concurrent.CompletionStage<PassDbResult> lookup(io.github.mailproxy.AuthRequest request) {
                return CompletableFuture.completedFuture(PassDbResult.found(Map.of(
                        PassDbResult.PROXY, "y", PassDbResult.NOPASSWORD, "y", PassDbResult.HOST, "127.0.0.1",
                        PassDbResult.PORT, request.protocol().equals(Pop3Protocol.NAME) ? backendPop3 : backendImap)));
            }

            @Override
            public boolean nonBlocking() {
                return true;
            }
        };
        InetSocketAddress imap = new InetSocketAddress("127.0.0.1", imapPort);
        InetSocketAddress pop3 = new InetSocketAddress("127.0.0.1", pop3Port);
        ProxyServer.Builder builder = ProxyServer.builder();
        if (args.length > 4) {
            java.security.Provider provider = args[6].equals("conscrypt") ? org.conscrypt.Conscrypt.newProvider()
                    : javax.net.ssl.SSLContext.getDefault().getProvider();
            char[] password = args[5].toCharArray();
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(java.security.KeyStore.getInstance(new java.io.File(args[4]), password), password);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS", provider);
            context.init(kmf.getKeyManagers(), null, null);
            builder.tlsProvider(provider).listen(ImapProtocol.implicitTls(imap, context))
                    .listen(Pop3Protocol.implicitTls(pop3, context));
        } else {
            builder.listen(ImapProtocol.plain(imap)).listen(Pop3Protocol.plain(pop3));
        }
        ProxyServer server = builder
                .passDb(passDb)
                .authStrategy(AuthStrategy.passwordForwarding())
                // every client of the benchmark comes from 127.0.0.1, and 10,000 sessions are held at
                // once: lift the per-address and total limits (Dovecot's proxy and nginx have none here)
                .maxConnections(30_000)
                .maxConnectionsPerIp(30_000)
                .maxLoginsPerIpPerMinute(Integer.MAX_VALUE)
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        new CountDownLatch(1).await();
    }
}
