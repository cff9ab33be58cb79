package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backends scripted line by line, to check the exact commands the login client sends. */
class Pop3ScriptedBackendTest {

    private static ProxyServer.Builder proxy(String passDb) {
        return ProxyServer.builder()
                .listen(Pop3Protocol.plain(new InetSocketAddress("127.0.0.1", 0)))
                .passDb(StaticPassDb.parse(passDb))
                .authFailureDelay(Duration.ZERO)
                .eventLoops(1);
    }

    @Test
    void trustedBackendGetsXclientThenUserPassAndItsRepliesAreRelayed() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend("+OK scripted ready\r\n", List.of(
                     "+OK\r\nUSER\r\nXCLIENT\r\n.\r\n",              // CAPA
                     "+OK\r\n",                                      // XCLIENT
                     "+OK\r\n",                                      // USER
                     "+OK scripted welcome\r\n+OK unsolicited\r\n", // PASS, and a line the relay must pass on
                     "+OK 0 0\r\n",                                  // STAT, relayed
                     "+OK bye\r\n"),                                 // QUIT, relayed
                     -1, null);
             ProxyServer server = proxy("proxy=y host=127.0.0.1 port=" + backend.port()
                     + " nopassword=y destuser=alice@backend").backendTrusted(true).proxyTtl(5).build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            assertThat(c.readLine()).isEqualTo("+OK mailproxy ready.");
            assertThat(c.command("USER alice")).isEqualTo("+OK");
            assertThat(c.command("PASS pw one ")).isEqualTo("+OK scripted welcome");
            assertThat(c.readLine()).isEqualTo("+OK unsolicited");
            assertThat(c.command("STAT")).isEqualTo("+OK 0 0");
            assertThat(c.command("QUIT")).isEqualTo("+OK bye");
            List<String> received = backend.finish();
            assertThat(received).hasSize(6);
            assertThat(received.get(1)).matches("XCLIENT ADDR=127\\.0\\.0\\.1 PORT=" + c.localPort() + " SESSION=\\S+ TTL=4");
            assertThat(received).containsExactly(
                    "CAPA", received.get(1), "USER alice@backend", "PASS pw one ", "STAT", "QUIT");
            c.close();
            LeakCheck.assertNothingLeaked(server);
        }
    }

    @Test
    void untrustedBackendGetsNoXclient() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend("+OK ready\r\n", List.of(
                     "+OK\r\nUSER\r\nXCLIENT\r\n.\r\n", "+OK\r\n", "+OK in\r\n"), -1, null);
             // forwarding the client's address is the default; this proxy is told not to
             ProxyServer server = proxy("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y")
                     .backendTrusted(false).build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            c.readLine();
            c.command("USER alice");
            assertThat(c.command("PASS pw")).isEqualTo("+OK in");
            assertThat(backend.finish()).containsExactly("CAPA", "USER alice", "PASS pw");
            c.close();
            LeakCheck.assertNothingLeaked(server);
        }
    }

    @Test
    void backendWithStartTlsIsLoggedInOverTls() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend("+OK ready\r\n", List.of(
                     "+OK Begin TLS negotiation\r\n",   // STLS, then the handshake
                     "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n", // CAPA, asked again under TLS
                     "+OK\r\n",                          // USER
                     "+OK secure welcome\r\n",           // PASS
                     "+OK 0 0\r\n"),                     // STAT, relayed over TLS
                     0, TestTls.serverContext());
             ProxyServer server = proxy("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y starttls=y")
                     .backendSslContext(TestTls.clientContext()).build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            c.readLine();
            c.command("USER alice");
            assertThat(c.command("PASS pw")).isEqualTo("+OK secure welcome");
            assertThat(c.command("STAT")).isEqualTo("+OK 0 0");
            assertThat(backend.finish()).containsExactly("STLS", "CAPA", "USER alice", "PASS pw", "STAT");
            c.close();
            LeakCheck.assertNothingLeaked(server);
        }
    }

    @Test
    void backendRefusingStlsIsATemporaryFailure() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend("+OK ready\r\n", List.of("-ERR no TLS\r\n"), -1, null);
             ProxyServer server = proxy("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y starttls=y")
                     .build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            c.readLine();
            c.command("USER alice");
            assertThat(c.command("PASS pw")).isEqualTo("-ERR [SYS/TEMP] Account is temporarily unavailable.");
            assertThat(backend.finish()).containsExactly("STLS");
            c.close();
            LeakCheck.assertNothingLeaked(server);
        }
    }

    @Test
    void backendGreetingGarbageIsATemporaryFailure() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend("* OK IMAP4rev1\r\n", List.of(), -1, null);
             ProxyServer server = proxy("proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y").build().start();
             PopClient c = PopClient.connect(server.port(Pop3Protocol.NAME))) {
            c.readLine();
            c.command("USER alice");
            assertThat(c.command("PASS pw")).isEqualTo("-ERR [SYS/TEMP] Account is temporarily unavailable.");
            c.close();
            LeakCheck.assertNothingLeaked(server);
        }
    }
}
