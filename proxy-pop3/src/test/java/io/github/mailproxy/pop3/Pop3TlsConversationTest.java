package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PlaintextAuth;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.StaticPassDb;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import io.github.mailproxy.testing.TlsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * STLS (RFC 2595) and implicit TLS, with plaintext authentication allowed only under TLS; the
 * proxy's TLS by each provider (the JDK's and Conscrypt).
 */
@ParameterizedClass
@EnumSource(TlsProvider.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pop3TlsConversationTest {

    private static final String DISALLOWED = "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.";

    /** The proxy's TLS provider in this invocation; its servers are made for it once. */
    @Parameter
    TlsProvider tls;

    private GreenMailBackend backend;
    private ProxyServer starttls;
    private ProxyServer implicit;

    @BeforeParameterizedClassInvocation
    void start(TlsProvider tls) {
        backend = new GreenMailBackend();
        backend.user("alice", "alicepw").deliver(GreenMailBackend.message("alice@example.org", "hi", "Hi."));
        String passDb = "proxy=y host=127.0.0.1 port=" + backend.port() + " nopassword=y";
        starttls = ProxyServer.builder()
                .listen(Pop3Protocol.starttls(new InetSocketAddress("127.0.0.1", 0), tls.serverContext()))
                .tlsProvider(tls.provider())
                .passDb(StaticPassDb.parse(passDb))
                .plaintextAuth(PlaintextAuth.TLS_ONLY)
                .authFailureDelay(Duration.ZERO)
                .eventLoops(1)
                .build()
                .start();
        implicit = ProxyServer.builder()
                .listen(Pop3Protocol.implicitTls(new InetSocketAddress("127.0.0.1", 0), tls.serverContext()))
                .tlsProvider(tls.provider())
                .passDb(StaticPassDb.parse(passDb))
                .plaintextAuth(PlaintextAuth.TLS_ONLY)
                .authFailureDelay(Duration.ZERO)
                .eventLoops(1)
                .build()
                .start();
    }

    @AfterParameterizedClassInvocation
    void stop() {
        try {
            LeakCheck.assertNothingLeaked(starttls);
            LeakCheck.assertNothingLeaked(implicit);
        } finally {
            starttls.close();
            implicit.close();
            backend.close();
        }
    }

    private PopClient connect() {
        PopClient client = PopClient.connect(starttls.port(Pop3Protocol.NAME));
        assertThat(client.readLine()).isEqualTo("+OK mailproxy ready.");
        return client;
    }

    @Test
    void beforeTlsOnlyStlsIsOfferedAndPlaintextIsRefused() {
        try (PopClient c = connect()) {
            assertThat(c.command("CAPA")).startsWith("+OK");
            assertThat(c.readMultiline()).containsExactly("TOP", "UIDL", "STLS", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING");
            assertThat(c.command("USER alice")).isEqualTo(DISALLOWED);
            assertThat(c.command("PASS alicepw")).isEqualTo(DISALLOWED);
            assertThat(c.command("AUTH PLAIN")).isEqualTo(DISALLOWED);
            assertThat(c.command("AUTH LOGIN")).isEqualTo(DISALLOWED);
            assertThat(c.command("AUTH")).isEqualTo("+OK");
            assertThat(c.readMultiline()).isEmpty();
        }
    }

    @Test
    void stlsThenLogin() {
        try (PopClient c = connect()) {
            assertThat(c.command("STLS")).isEqualTo("+OK Begin TLS negotiation");
            c.startTls(TestTls.clientContext());
            assertThat(c.command("CAPA")).startsWith("+OK");
            assertThat(c.readMultiline())
                    .containsExactly("TOP", "UIDL", "USER", "SASL PLAIN LOGIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING");
            assertThat(c.command("STLS")).isEqualTo("-ERR TLS is already active.");
            assertThat(c.command("USER alice")).isEqualTo("+OK");
            assertThat(c.command("PASS alicepw")).startsWith("+OK");
            assertThat(c.command("STAT")).startsWith("+OK 1 ");
            assertThat(c.command("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void commandsPipelinedBehindStlsAreDiscarded() {
        try (PopClient c = connect()) {
            c.send("STLS\r\nUSER mallory\r\n");
            assertThat(c.readLine()).isEqualTo("+OK Begin TLS negotiation");
            c.startTls(TestTls.clientContext());
            assertThat(c.command("PASS alicepw")).isEqualTo("-ERR No username given.");
        }
    }

    @Test
    void implicitTlsGreetsAfterTheHandshake() {
        try (PopClient c = PopClient.connectTls(implicit.port(Pop3Protocol.NAME), TestTls.clientContext())) {
            assertThat(c.readLine()).isEqualTo("+OK mailproxy ready.");
            assertThat(c.command("CAPA")).startsWith("+OK");
            assertThat(c.readMultiline()).doesNotContain("STLS").contains("USER");
            assertThat(c.command("STLS")).isEqualTo("-ERR TLS is already active.");
            c.send("USER alice\r\nPASS alicepw\r\nSTAT\r\n");
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.readLine()).startsWith("+OK");
            assertThat(c.readLine()).startsWith("+OK 1 ");
        }
    }
}
