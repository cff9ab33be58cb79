package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.github.mailproxy.examples.MailClient;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.AuthenticationFailedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code passdb = http}: the launcher asks an nginx auth_http server (here a small one on the JDK's HTTP server
 * that wants the configured {@code X-Auth-Key}) and proxies to the GreenMail it names.
 */
class LauncherHttpPassDbTest {

    private static GreenMail backend;
    private static HttpServer auth;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort()});
        backend.start();
        backend.setUser("erin@example.org", "erin", "erin-secret");
        auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        auth.createContext("/auth", exchange -> {
            try (exchange) {
                var in = exchange.getRequestHeaders();
                var out = exchange.getResponseHeaders();
                if (!"k-123".equals(in.getFirst("X-Auth-Key"))) {
                    exchange.sendResponseHeaders(403, -1);
                    return;
                }
                if ("erin".equals(in.getFirst("Auth-User")) && "erin-secret".equals(in.getFirst("Auth-Pass"))) {
                    out.add("Auth-Status", "OK");
                    out.add("Auth-Server", "127.0.0.1");
                    out.add("Auth-Port", Integer.toString("pop3".equals(in.getFirst("Auth-Protocol"))
                            ? backend.getPop3().getPort() : backend.getImap().getPort()));
                } else {
                    out.add("Auth-Status", "Invalid login or password");
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
        auth.start();
    }

    @AfterAll
    static void stop() {
        auth.stop(0);
        backend.stop();
    }

    private String config(String passdb) {
        return "imap.listen = 127.0.0.1:0\npop3.listen = 127.0.0.1:0\nauth.failure-delay = 0\npassdb = http\n" + passdb;
    }

    private RunningProxy startFromFile(String text) throws IOException {
        Path file = dir.resolve("mailproxy.properties");
        Files.writeString(file, text);
        return Launcher.start(LauncherConfig.load(file));
    }

    @Test
    void theAuthServerRoutesAndChecksThePasswords() throws Exception {
        RunningProxy proxy = startFromFile(config("passdb.http.url = http://127.0.0.1:" + auth.getAddress().getPort()
                + "/auth\npassdb.http.headers = X-Auth-Key: k-123; X-Other: 1\npassdb.http.timeout = 5s\n"));
        try {
            assertThat(MailClient.inboxSubjects("imap", proxy.server().port("imap"), "erin", "erin-secret")).isEmpty();
            assertThat(MailClient.inboxSubjects("pop3", proxy.server().port("pop3"), "erin", "erin-secret")).isEmpty();
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", proxy.server().port("imap"), "erin", "wrong-one"))
                    .isInstanceOf(AuthenticationFailedException.class);
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    private static java.util.Properties props(String... keysAndValues) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("imap.listen", "127.0.0.1:1143");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return p;
    }

    @Test
    void badHttpSettingsAreNamedWithoutTheirValues() {
        assertThatThrownBy(() -> LauncherConfig.parse(props("passdb", "http")))
                .hasMessage("passdb.http.url: missing; needed by passdb = http");
        assertThatThrownBy(() -> LauncherConfig.parse(props("passdb", "http",
                "passdb.http.url", "ftp://k-secret@host/")))
                .hasMessage("passdb.http.url: expected an http:// or https:// URL with a host, such as "
                        + "http://127.0.0.1:9000/auth (the value is not shown: it may hold a key)");
        assertThatThrownBy(() -> LauncherConfig.parse(props("passdb", "http",
                "passdb.http.url", "http://127.0.0.1/auth", "passdb.http.headers", "X-Key k-secret")))
                .hasMessage("passdb.http.headers: header 1 is not 'Name: value' (not shown: it may be a secret)");
        assertThatThrownBy(() -> LauncherConfig.parse(props("passdb", "http",
                "passdb.http.url", "http://127.0.0.1/auth", "passdb.http.headers", "Auth-Pass: k-secret")))
                .hasMessage("passdb.http.headers: header: Auth-Pass is sent by the PassDb itself");
        assertThatThrownBy(() -> LauncherConfig.parse(props("passdb", "static", "passdb.static", "proxy=y host=127.0.0.1",
                "passdb.http.url", "http://127.0.0.1/auth")))
                .hasMessageStartingWith("passdb.http.url: ");
    }
}
