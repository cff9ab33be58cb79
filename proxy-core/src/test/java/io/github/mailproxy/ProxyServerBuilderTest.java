package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.testing.LineProtocol;
import io.github.mailproxy.testing.TestTls;
import io.github.mailproxy.testing.TlsProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of {@link ProxyServer.Builder}, each with the exact message: the messages name the
 * option at fault and are API (the launcher shows them to operators).
 */
class ProxyServerBuilderTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final PassDb PASS_DB = StaticPassDb.parse("proxy=y host=127.0.0.1 port=1 nopassword=y");

    private static Listener plain(InetSocketAddress address) {
        return new Listener(new LineProtocol(), address, TlsMode.PLAIN, null);
    }

    private static Listener implicitTls(SSLContext context) {
        return new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.IMPLICIT, context);
    }

    private static ProxyServer.Builder minimal() {
        return ProxyServer.builder().listen(plain(ANY_LOOPBACK)).passDb(PASS_DB);
    }

    // ---- each option, at once ----

    @Test
    void anOptionSetTwiceIsRefused() {
        assertThatThrownBy(() -> minimal().passDb(PASS_DB))
                .isInstanceOf(IllegalStateException.class).hasMessage("passDb was already set");
        assertThatThrownBy(() -> minimal().loginTimeout(Duration.ofSeconds(1)).loginTimeout(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("loginTimeout was already set");
        assertThatThrownBy(() -> minimal().maxConnections(5).maxConnections(6))
                .isInstanceOf(IllegalStateException.class).hasMessage("maxConnections was already set");
        assertThatThrownBy(() -> minimal().backendTrusted(false).backendTrusted(true))
                .isInstanceOf(IllegalStateException.class).hasMessage("backendTrusted was already set");
        assertThatThrownBy(() -> minimal().tlsProtocols("TLSv1.3").tlsProtocols("TLSv1.2"))
                .isInstanceOf(IllegalStateException.class).hasMessage("tlsProtocols was already set");
    }

    @Test
    void aRefusedArgumentDoesNotCountAsSet() {
        ProxyServer.Builder b = minimal();
        assertThatThrownBy(() -> b.maxConnections(0)).isInstanceOf(IllegalArgumentException.class);

        b.maxConnections(5);  // not "already set"
    }

    @Test
    void aNullArgumentIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> ProxyServer.builder().passDb(null))
                .isInstanceOf(NullPointerException.class).hasMessage("passDb");
        assertThatThrownBy(() -> ProxyServer.builder().loginTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("loginTimeout");
        assertThatThrownBy(() -> ProxyServer.builder().listen(null))
                .isInstanceOf(NullPointerException.class).hasMessage("listener");
    }

    @Test
    void aDurationThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().loginTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("loginTimeout: must be positive: PT0S");
        assertThatThrownBy(() -> ProxyServer.builder().idleTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout: must be positive: PT-1S");
    }

    @Test
    void aNegativeAuthFailureDelayIsRefusedAndZeroIsAllowed() {
        assertThatThrownBy(() -> ProxyServer.builder().authFailureDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("authFailureDelay: must not be negative: PT-0.001S");

        minimal().authFailureDelay(Duration.ZERO).build();
    }

    @Test
    void aCountThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().maxConnections(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnections: must be positive: 0");
        assertThatThrownBy(() -> ProxyServer.builder().maxLineLength(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxLineLength: must be positive: -5");
        assertThatThrownBy(() -> ProxyServer.builder().eventLoops(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("eventLoops: must be at least 1: 0");
    }

    @Test
    void noTlsProtocolOrABlankOneIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().tlsProtocols())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tlsProtocols: at least one protocol is needed");
        assertThatThrownBy(() -> ProxyServer.builder().tlsProtocols("TLSv1.3", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tlsProtocols: a protocol name is blank: [TLSv1.3,  ]");
    }

    @Test
    void aTrustedNetworkThatIsNotOneIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().loginTrustedNetworks("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("loginTrustedNetworks: ");
    }

    @Test
    void theSameListenerAddedTwiceIsRefused() {
        Listener listener = plain(ANY_LOOPBACK);
        ProxyServer.Builder b = ProxyServer.builder().listen(listener);

        assertThatThrownBy(() -> b.listen(listener))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("listen: this listener was already added: line on /127.0.0.1:0");
    }

    // ---- build() ----

    @Test
    void aServerWithoutListenerIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().passDb(PASS_DB).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("listen: at least one listener is needed");
    }

    @Test
    void aServerWithoutPassDbIsRefused() {
        assertThatThrownBy(() -> ProxyServer.builder().listen(plain(ANY_LOOPBACK)).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("passDb: a PassDb is needed");
    }

    @Test
    void twoListenersOnOneAddressAreRefusedButTwoOnPortZeroAreNot() {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 1143);

        assertThatThrownBy(() -> ProxyServer.builder().listen(plain(address)).listen(plain(address)).passDb(PASS_DB).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("listen: two listeners on /127.0.0.1:1143");
        minimal().listen(plain(ANY_LOOPBACK)).build();
    }

    @Test
    void aTlsProtocolThisJvmDoesNotKnowIsRefusedAtBuild() throws NoSuchAlgorithmException {
        String supported = String.join(", ", SSLContext.getDefault().getSupportedSSLParameters().getProtocols());

        assertThatThrownBy(() -> minimal().tlsProtocols("TLSv1.3", "TLSv1.4").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tlsProtocols: TLSv1.4 is not supported by this JVM (supported: " + supported + ")");
    }

    @Test
    void aTlsListenerWhoseContextHasNoKeyIsRefusedAtBuild() throws Exception {
        SSLContext withoutKey = SSLContext.getInstance("TLS");
        withoutKey.init(null, null, null);  // trust material only: every client handshake would fail

        assertThatThrownBy(() -> ProxyServer.builder().listen(implicitTls(withoutKey)).passDb(PASS_DB).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("listen: the SSLContext of the line listener on /127.0.0.1:0 cannot complete "
                        + "a TLS handshake (")
                .hasMessageEndingWith("); does it hold the server's key and certificate?");
    }

    @Test
    void aTlsListenerWhoseContextIsNotInitialisedIsRefusedAtBuild() throws Exception {
        SSLContext uninitialised = SSLContext.getInstance("TLS");

        assertThatThrownBy(() -> ProxyServer.builder().listen(implicitTls(uninitialised)).passDb(PASS_DB).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("listen: the SSLContext of the line listener on /127.0.0.1:0 cannot complete "
                        + "a TLS handshake (");
    }

    @Test
    void aTlsListenerThatCannotSpeakTheConfiguredProtocolsIsRefusedAtBuild() {
        // TLSv1.1 is known to the JVM but disabled by its security policy (jdk.tls.disabledAlgorithms)
        assertThatThrownBy(() -> ProxyServer.builder().listen(implicitTls(TestTls.serverContext())).passDb(PASS_DB)
                .tlsProtocols("TLSv1.1").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("tlsProtocols: the SSLContext of the line listener on /127.0.0.1:0 cannot "
                        + "handshake with TLSv1.1 (");
    }

    @Test
    void aTlsListenerWithAKeyBuilds() {
        ProxyServer.builder().listen(implicitTls(TestTls.serverContext())).passDb(PASS_DB).build();
        ProxyServer.builder().listen(new Listener(new LineProtocol(), ANY_LOOPBACK, TlsMode.STARTTLS,
                TestTls.serverContext())).passDb(PASS_DB).tlsProtocols("TLSv1.2").build();
    }

    @Test
    void anIdleTimeoutLongerThanTheLoginTimeoutIsRefused() {
        assertThatThrownBy(() -> minimal().idleTimeout(Duration.ofMinutes(2)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("idleTimeout: PT2M is longer than loginTimeout (PT1M), which closes the session first; "
                        + "set it to loginTimeout or less");
    }

    @Test
    void aPassDbTimeoutLongerThanTheLoginTimeoutIsRefused() {
        assertThatThrownBy(() -> minimal().loginTimeout(Duration.ofSeconds(10)).passDbTimeout(Duration.ofSeconds(11)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("passDbTimeout: PT11S is longer than loginTimeout (PT10S), which closes the session first; "
                        + "set it to loginTimeout or less");
    }

    @Test
    void aBackendConnectTimeoutLongerThanTheLoginTimeoutIsRefused() {
        assertThatThrownBy(() -> minimal().loginTimeout(Duration.ofSeconds(10))
                .backendConnectTimeout(Duration.ofSeconds(30)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("backendConnectTimeout: PT30S is longer than loginTimeout (PT10S), which closes the "
                        + "session first; set it to loginTimeout or less");
    }

    @Test
    void anAuthFailureDelayAsLongAsTheLoginTimeoutIsRefused() {
        assertThatThrownBy(() -> minimal().loginTimeout(Duration.ofSeconds(5)).authFailureDelay(Duration.ofSeconds(5)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("authFailureDelay: PT5S is not shorter than loginTimeout (PT5S), which would close every "
                        + "failed login before its reply");
    }

    @Test
    void aShortLoginTimeoutAloneBuildsBecauseTheDefaultsUnderItFollowIt() {
        // idle, PassDb and backend defaults (30 s) are longer, but only given values are errors
        minimal().loginTimeout(Duration.ofSeconds(1)).build();
        minimal().loginTimeout(Duration.ofSeconds(10)).idleTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void aLocalHandlerIsForAProtocolWithAListenerOnceAndProxySelfTakesAddressesOnly() {
        LocalSessionHandler handler = session -> null;
        assertThatThrownBy(() -> minimal().localHandler("line", handler).localHandler("line", handler))
                .isInstanceOf(IllegalStateException.class).hasMessage("localHandler: already set for line");
        assertThatThrownBy(() -> minimal().localHandler("pop3", handler).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("localHandler: no listener for protocol pop3");
        assertThatThrownBy(() -> minimal().proxySelf("imap.example.org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("proxySelf: not an IP address");
        minimal().localHandler("line", handler).proxySelf("10.0.0.1", "2001:db8::/64").build();
    }

    // ---- the TLS provider ----

    @Test
    void conscryptIsFoundByNameWithoutBeingInstalled() {
        assertThat(java.security.Security.getProvider("Conscrypt")).isNull();
        ProxyServer.builder().listen(implicitTls(TlsProvider.CONSCRYPT.serverContext())).passDb(PASS_DB)
                .tlsProvider("conscrypt").build();
    }

    @Test
    void anUnknownTlsProviderIsRefusedAtOnce() {
        assertThatThrownBy(() -> ProxyServer.builder().tlsProvider("NoSuchTls"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tlsProvider: no security provider named NoSuchTls (installed: SunJSSE");
        assertThatThrownBy(() -> ProxyServer.builder().tlsProvider("SUN"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tlsProvider: SUN offers no TLS (SSLContext.TLS)");
        assertThatThrownBy(() -> ProxyServer.builder().tlsProvider("SunJSSE").tlsProvider("SunJSSE"))
                .isInstanceOf(IllegalStateException.class).hasMessage("tlsProvider was already set");
    }

    @Test
    void aTlsListenerWhoseContextComesFromAnotherProviderIsRefusedAtBuild() {
        assertThatThrownBy(() -> ProxyServer.builder().listen(implicitTls(TestTls.serverContext())).passDb(PASS_DB)
                .tlsProvider(TlsProvider.CONSCRYPT.provider()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tlsProvider: the SSLContext of the line listener on /127.0.0.1:0 comes from SunJSSE, "
                        + "not Conscrypt; make it with SSLContext.getInstance(\"TLS\", provider)");
    }

    // ---- toBuilder ----

    @Test
    void toBuilderCopiesEveryOption() throws Exception {
        ProxyServer.Builder original = ProxyServer.builder()
                .listen(plain(ANY_LOOPBACK)).listen(implicitTls(TestTls.serverContext()))
                .passDb(PASS_DB)
                .authStrategy(AuthStrategy.masterUser(MasterLogin.of("proxy", "master-secret")))
                .capabilityFilter(CapabilityFilter.remove("IDLE"))
                .sessionListener(event -> { })
                .addSessionListener(event -> { })
                .authCache(AuthCacheSpec.maximumSize(7))
                .loginTimeout(Duration.ofSeconds(50))
                .idleTimeout(Duration.ofSeconds(11))
                .passDbTimeout(Duration.ofSeconds(12))
                .backendConnectTimeout(Duration.ofSeconds(13))
                .shutdownTimeout(Duration.ofSeconds(14))
                .authFailureDelay(Duration.ofSeconds(1))
                .scheduler((executor, command, delay, unit) -> CompletableFuture.completedFuture(null))
                .ticker(() -> 42)
                .eventLoops(13)
                .plaintextAuth(PlaintextAuth.ALWAYS)
                .maxLineLength(1000)
                .maxLiteralSize(1001)
                .maxBadCommands(3)
                .backendTrusted(false)
                .proxyTtl(2)
                .maxConnections(100)
                .maxConnectionsPerIp(10)
                .maxLoginsPerIpPerMinute(60)
                .tlsProtocols("TLSv1.3")
                .tlsProvider("SunJSSE")
                .backendSslContext(TestTls.serverContext())
                .loginTrustedNetworks("10.0.0.0/8")
                .maxPendingOutput(4096)
                .passDbThreads(3)
                .localHandler("line", session -> null)
                .proxySelf("192.0.2.1")
                .haproxyTrustedNetworks("10.0.0.10")
                .haproxyTimeout(Duration.ofSeconds(4))
                .backendHaproxy(true);
        ProxyServer server = original.build();

        ProxyServer.Builder copy = server.toBuilder();

        for (Field field : ProxyServer.Builder.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) || field.getName().equals("setHere")) {
                continue;
            }
            field.setAccessible(true);
            assertThat(field.get(copy)).as("option %s", field.getName()).isEqualTo(field.get(original));
        }
        assertThat(originalOptionsAllSet(original)).as("the test sets every option").isTrue();
    }

    /** Every option field differs from a fresh builder's, so that the copy test covers them all. */
    private static boolean originalOptionsAllSet(ProxyServer.Builder original) throws IllegalAccessException {
        ProxyServer.Builder fresh = ProxyServer.builder();
        for (Field field : ProxyServer.Builder.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) || List.of("setHere", "given").contains(field.getName())) {
                continue;
            }
            field.setAccessible(true);
            if (java.util.Objects.equals(field.get(fresh), field.get(original))) {
                throw new AssertionError("option " + field.getName() + " is not set by the test");
            }
        }
        return true;
    }

    @Test
    void aCopiedOptionMayBeSetOnceMoreAndTheCopyBuilds() {
        ProxyServer server = minimal().loginTimeout(Duration.ofSeconds(20)).build();

        ProxyServer.Builder copy = server.toBuilder().loginTimeout(Duration.ofSeconds(30));

        assertThatThrownBy(() -> copy.loginTimeout(Duration.ofSeconds(40)))
                .isInstanceOf(IllegalStateException.class).hasMessage("loginTimeout was already set");
        copy.build();
        // the copy keeps the rules: a given idle timeout over the new login timeout is still refused
        assertThatThrownBy(() -> minimal().idleTimeout(Duration.ofSeconds(20)).loginTimeout(Duration.ofSeconds(20))
                .build().toBuilder().loginTimeout(Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("idleTimeout: PT20S is longer");
    }

    // ---- start() and port() ----

    @Test
    void anAddressInUseFailsStartWithTheListenerAndStartWorksOnceItIsFree() throws IOException {
        Listener listener;
        ProxyServer server;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            listener = plain(new InetSocketAddress("127.0.0.1", taken.getLocalPort()));
            server = ProxyServer.builder().listen(plain(ANY_LOOPBACK)).listen(listener).passDb(PASS_DB).build();

            assertThatThrownBy(server::start)
                    .isInstanceOfSatisfying(ListenerBindException.class, e -> {
                        assertThat(e.listener()).isSameAs(listener);
                        assertThat(e.address()).isEqualTo(listener.address());
                        assertThat(e.reason()).isEqualTo("Address already in use");
                        assertThat(e.getCause()).isInstanceOf(BindException.class);
                    })
                    .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (line): Address already in use");
        }
        try (server) {
            server.start();
            assertThat(server.port(listener)).isEqualTo(listener.address().getPort());
        }
    }

    @Test
    void portAndAddressNameEveryListener() throws IOException {
        Listener first = plain(ANY_LOOPBACK);
        Listener second = plain(ANY_LOOPBACK);
        try (ProxyServer server = ProxyServer.builder().listen(first).listen(second).passDb(PASS_DB).build().start()) {
            assertThat(server.port(first)).isNotEqualTo(server.port(second)).isEqualTo(server.port("line"));
            assertThat(server.address(second)).isEqualTo(new InetSocketAddress("127.0.0.1", server.port(second)));
            for (Listener listener : Arrays.asList(first, second)) {
                try (Socket s = new Socket("127.0.0.1", server.port(listener))) {
                    s.setSoTimeout(10_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).isEqualTo("HELLO");
                }
            }
            assertThatThrownBy(() -> server.port(plain(new InetSocketAddress("127.0.0.1", 1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a listener of this server: line on /127.0.0.1:1");
        }
    }

    @Test
    void portBeforeStartIsRefused() {
        Listener listener = plain(ANY_LOOPBACK);
        ProxyServer server = ProxyServer.builder().listen(listener).passDb(PASS_DB).build();

        assertThatThrownBy(() -> server.port(listener))
                .isInstanceOf(IllegalStateException.class).hasMessage("the server is not started");
    }
}
