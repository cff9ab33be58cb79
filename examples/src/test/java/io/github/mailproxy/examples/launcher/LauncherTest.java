package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.nio.charset.StandardCharsets.UTF_8;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.examples.MailClient;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LeakCheck;
import jakarta.mail.AuthenticationFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The launcher run from a properties file, in front of GreenMail, with Angus Mail as the client. */
class LauncherTest {

    private static GreenMail backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)});
        backend.start();
        backend.setUser("dora@example.org", "dora", "dora-secret");
        ServerSetup smtp = backend.getSmtp().getServerSetup();
        GreenMailUtil.sendTextEmail("dora@example.org", "x@example.org", "first", "one", smtp);
        GreenMailUtil.sendTextEmail("dora@example.org", "x@example.org", "second", "two", smtp);
        Await.until("two messages delivered", Duration.ofSeconds(10), () -> backend.getReceivedMessages().length == 2);
    }

    @AfterAll
    static void stopBackend() {
        backend.stop();
    }

    private RunningProxy startFromFile(String text) throws IOException {
        Path file = dir.resolve("mailproxy.properties");
        Files.writeString(file, text);
        return Launcher.start(LauncherConfig.load(file));
    }

    private static void closeChecked(RunningProxy proxy) {
        try {
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    @Test
    void imapLoginThroughConfiguredProxySeesTheBackendMailbox() throws Exception {
        RunningProxy proxy = startFromFile("""
                imap.listen = 127.0.0.1:0
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                auth = forward
                auth.cache.size = 100
                """.formatted(backend.getImap().getPort()));
        try {
            assertThat(MailClient.inboxSubjects("imap", proxy.server().port("imap"), "dora", "dora-secret"))
                    .containsExactly("first", "second");
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", proxy.server().port("imap"), "dora", "wrong"))
                    .isInstanceOf(AuthenticationFailedException.class);
        } finally {
            closeChecked(proxy);
        }
    }

    @Test
    void pop3LoginThroughConfiguredProxySeesTheBackendMailbox() throws Exception {
        RunningProxy proxy = startFromFile("""
                pop3.listen = 127.0.0.1:0
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                """.formatted(backend.getPop3().getPort()));
        try {
            assertThat(MailClient.inboxSubjects("pop3", proxy.server().port("pop3"), "dora", "dora-secret"))
                    .containsExactly("first", "second");
        } finally {
            closeChecked(proxy);
        }
    }

    @Test
    void eachSessionIsLoggedOnceAtInfoWithoutThePassword() throws Exception {
        Logger sessionLog = (Logger) LoggerFactory.getLogger("io.github.mailproxy.session");
        List<String> lines = new CopyOnWriteArrayList<>();  // appended to on an event loop
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                lines.add(event.getFormattedMessage());
            }
        };
        appender.setContext(sessionLog.getLoggerContext());
        appender.start();
        sessionLog.addAppender(appender);
        RunningProxy proxy = startFromFile("""
                imap.listen = 127.0.0.1:0
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                """.formatted(backend.getImap().getPort()));
        try {
            MailClient.inboxSubjects("imap", proxy.server().port("imap"), "dora", "dora-secret");
            Await.until(() -> "one session line, got " + lines, Duration.ofSeconds(10), () -> lines.size() == 1);
            String line = lines.get(0);
            assertThat(sessionLog.isInfoEnabled()).isTrue();
            assertThat(line).contains("user=dora", "outcome=PROXIED").doesNotContain("dora-secret");
        } finally {
            sessionLog.detachAppender(appender);
            closeChecked(proxy);
        }
    }

    @Test
    void portInUseNamesKeyAndPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> startFromFile("""
                    imap.listen = 127.0.0.1:0
                    pop3.listen = 127.0.0.1:%d
                    passdb = static
                    passdb.static = proxy=y host=127.0.0.1 nopassword=y
                    """.formatted(port)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("pop3.listen: cannot listen on 127.0.0.1:" + port + ": Address already in use");
        }
    }

    @Test
    void portInUseExitsWithCodeTwoAndOneLine() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path file = dir.resolve("taken.properties");
            Files.writeString(file, """
                    imap.listen = 127.0.0.1:%d
                    passdb = static
                    passdb.static = proxy=y host=127.0.0.1 nopassword=y
                    """.formatted(taken.getLocalPort()));
            Launcher launcher = new Launcher(new PrintStream(new ByteArrayOutputStream(), true, UTF_8),
                    new PrintStream(err, true, UTF_8));

            assertThat(launcher.run(new String[] {"--config", file.toString()})).isEqualTo(2);
        }
        List<String> lines = err.toString(UTF_8).lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("mailproxy: imap.listen: cannot listen on 127.0.0.1:");
    }
}
