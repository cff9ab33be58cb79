package io.github.mailproxy.passdb.ldap;

import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.PEOPLE;
import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.login;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PassDbResult.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Failover between servers, servers that are down or hang: temporary failures, never a hang or a crash. */
class LdapOutageTest {

    private static PassDbResult lookup(LdapPassDb passDb, String user, String password) {
        return passDb.lookup(login(user, password)).toCompletableFuture().join();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void firstServerDownFromTheStartTheSecondAnswers() throws Exception {
        try (InMemoryDirectory second = new InMemoryDirectory();
             LdapPassDb passDb = LdapPassDb.builder().uris("ldap://127.0.0.1:" + closedPort(), second.uri())
                     .base(PEOPLE).passAttrs("mailHost=host").authBind(true).build()) {
            assertThat(lookup(passDb, "alice", "pw-alice").field("host")).contains("10.0.0.1");
            assertThat(lookup(passDb, "alice", "pw-bob").status()).isEqualTo(Status.NOT_FOUND);
        }
    }

    @Test
    void firstServerStopsWhileInUseTheNextLookupGoesToTheSecond() throws Exception {
        try (InMemoryDirectory first = new InMemoryDirectory(); InMemoryDirectory second = new InMemoryDirectory()) {
            first.server().modify("dn: uid=alice," + PEOPLE, "changetype: modify", "replace: mailHost",
                    "mailHost: first");
            try (LdapPassDb passDb = LdapPassDb.builder().uris(first.uri(), second.uri()).base(PEOPLE)
                    .passAttrs("mailHost=host").build()) {
                assertThat(lookup(passDb, "alice", "x").field("host")).contains("first");
                first.stop();
                assertThat(lookup(passDb, "alice", "x").field("host")).contains("10.0.0.1");
            }
        }
    }

    @Test
    void everyServerDownIsATemporaryFailure() throws Exception {
        try (LdapPassDb passDb = LdapPassDb.builder().hosts("127.0.0.1:" + closedPort(), "127.0.0.1:" + closedPort())
                .base(PEOPLE).build()) {
            PassDbResult r = lookup(passDb, "alice", "pw-alice");
            assertThat(r.status()).isEqualTo(Status.TEMPORARY_FAILURE);
            assertThat(r.failureReason()).doesNotContain("pw-alice");
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsATemporaryFailureWithinTheTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (LdapPassDb passDb = LdapPassDb.builder().uris("ldap://127.0.0.1:" + silent.getLocalPort())
                    .bindDn(InMemoryDirectory.SERVICE_DN, InMemoryDirectory.SERVICE_PASSWORD).base(PEOPLE)
                    .requestTimeout(Duration.ofMillis(500)).build()) {
                long start = System.nanoTime();
                PassDbResult r = lookup(passDb, "alice", "pw-alice");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(r.status()).isEqualTo(Status.TEMPORARY_FAILURE);
                assertThat(took).isLessThan(Duration.ofSeconds(4));
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void closedPassDbFailsTemporarily() throws Exception {
        try (InMemoryDirectory directory = new InMemoryDirectory()) {
            LdapPassDb passDb = LdapPassDb.builder().uris(directory.uri()).base(PEOPLE).build();
            assertThat(lookup(passDb, "alice", "x").isFound()).isTrue();
            passDb.close();
            assertThat(lookup(passDb, "alice", "x").status()).isEqualTo(Status.TEMPORARY_FAILURE);
        }
    }
}
