package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.examples.MailClient;
import io.github.mailproxy.examples.TestKeystore;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.TestSecrets;
import jakarta.mail.AuthenticationFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher in master-user mode and with an implicit-TLS listener, in front of GreenMail.
 *
 * <p>GreenMail has no master users, so, as in proxy-imap's master tests, the mailbox the proxy opens
 * for {@code grace} is a GreenMail user whose login is literally {@code grace*proxy} with the master
 * password: the login a Dovecot backend with {@code auth_master_user_separator = *} would take.
 */
class LauncherMasterAndTlsTest {

    private static final String GRACE_PASSWORD = TestSecrets.register("grace-own-secret");
    private static final String MASTER_PASSWORD = "master-secret";

    private static GreenMail backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        backend = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3)});
        backend.start();
        backend.setUser("grace@example.org", "grace*proxy", MASTER_PASSWORD);
        backend.setUser("erin@example.org", "erin", "erin-secret");
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

    @Test
    void masterModeChecksTheUsersPasswordAndLogsInAsUserStarMaster() throws Exception {
        // the proxy checks grace's own password; the backend never sees it
        Path users = Files.writeString(dir.resolve("users"), """
                grace:{PLAIN}%s::::::proxy host=127.0.0.1 port=%d
                """.formatted(GRACE_PASSWORD, backend.getImap().getPort()));
        RunningProxy proxy = startFromFile("""
                imap.listen = 127.0.0.1:0
                passdb = passwd-file
                passdb.passwd-file = %s
                auth = master
                auth.master.user = proxy
                auth.master.password = %s
                auth.master.style = separator
                auth.master.separator = *
                auth.mechanisms = PLAIN LOGIN CRAM-MD5
                auth.failure-delay = 0
                """.formatted(users, MASTER_PASSWORD));
        try {
            int port = proxy.server().port("imap");
            assertThat(MailClient.inboxSubjects("imap", port, "grace", GRACE_PASSWORD)).isEmpty();
            // the master password is no password of grace's
            assertThatThrownBy(() -> MailClient.inboxSubjects("imap", port, "grace", MASTER_PASSWORD))
                    .isInstanceOf(AuthenticationFailedException.class);
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "conscrypt"})
    void implicitTlsListenersServeImapsAndPop3sWithTheKeystore(String provider) throws Exception {
        Path keystore = TestKeystore.copyTo(dir);
        // one static passdb serves both protocols only if the backend ports are the standard ones, so
        // each listener gets a proxy of its own here
        for (String protocol : new String[] {"imap", "pop3"}) {
            int backendPort = protocol.equals("imap") ? backend.getImap().getPort() : backend.getPop3().getPort();
            RunningProxy tls = startFromFile("""
                    %s.listen = 127.0.0.1:0
                    %s.tls = implicit
                    tls.keystore = %s
                    tls.keystore.password = %s
                    tls.provider = %s
                    plaintext.auth = tls-only
                    passdb = static
                    passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                    """.formatted(protocol, protocol, keystore, TestKeystore.PASSWORD, provider, backendPort));
            try {
                assertThat(MailClient.inboxSubjectsOverTls(protocol + "s", tls.server().port(protocol), "erin",
                        "erin-secret")).isEmpty();
                LeakCheck.assertNothingLeaked(tls.server());
            } finally {
                tls.close();
            }
        }
    }
}
