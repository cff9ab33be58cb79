package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import io.github.mailproxy.testing.LogfmtParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswdFilePassDbTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void everyFieldFormIsRead() throws IOException {
        Path file = write("users", String.join("\n",
                "# a comment",
                "   # an indented comment",
                "",
                "   ",
                "alice:{PLAIN}secret",
                "bob:{SHA256}k8d8nn/gvyJxWGc1z3ZcD8OfpDu2Z6ZvAK2R2tsDJ20=:1000:1001:Bob Builder:/home/bob:/bin/sh:"
                        + "proxy host=10.1.2.3 destuser=x nopassword",
                "carol::::::: proxy host=::1 port=10143\r",
                "dave",
                "erin:pw:::::",
                "frank:pw::::::proxy=y  host=h:1   master=m pass=p ",
                "gina@example.org:{PLAIN}a b c",
                ""));

        PasswdFilePassDb db = PasswdFilePassDb.open(file);

        assertThat(lookup(db, "alice").fields()).isEqualTo(Map.of("password", "{PLAIN}secret"));
        assertThat(lookup(db, "bob").fields()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "password", "{SHA256}k8d8nn/gvyJxWGc1z3ZcD8OfpDu2Z6ZvAK2R2tsDJ20=",
                "userdb_uid", "1000", "userdb_gid", "1001", "userdb_home", "/home/bob",
                "proxy", "", "host", "10.1.2.3", "destuser", "x", "nopassword", ""));
        PassDbResult carol = lookup(db, "carol");
        assertThat(carol.fields()).isEqualTo(Map.of("proxy", "", "host", "::1", "port", "10143"));
        assertThat(carol.field(PassDbResult.PASSWORD)).as("empty password is absent").isEmpty();
        assertThat(carol.flag(PassDbResult.PROXY)).isTrue();
        assertThat(lookup(db, "dave").isFound()).isTrue();
        assertThat(lookup(db, "dave").fields()).isEmpty();
        assertThat(lookup(db, "erin").fields()).isEqualTo(Map.of("password", "pw"));
        assertThat(lookup(db, "frank").fields()).isEqualTo(Map.of("password", "pw", "proxy", "y", "host", "h:1",
                "master", "m", "pass", "p"));
        assertThat(lookup(db, "gina@example.org").field("password")).contains("{PLAIN}a b c");
    }

    @Test
    void lookupIsByExactName() throws IOException {
        PasswdFilePassDb db = PasswdFilePassDb.open(write("users", "Alice:x\n"));

        assertThat(lookup(db, "Alice").isFound()).isTrue();
        assertThat(lookup(db, "alice").status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
        assertThat(lookup(db, "Alice ").status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
        assertThat(lookup(db, "").status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
    }

    @Test
    void malformedLinesAreLoggedWithTheirNumberAndSkipped() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(String.join("\n",
                "alice:pw-alice-1",                   // 1
                ":pw-nobody-2",                       // 2 empty user
                "bad user:pw-bad-3",                  // 3 white space in the name
                "gus:pw-gus-4:abc",                   // 4 uid
                "hal:pw-hal-5:1:x",                   // 5 gid
                "ivy:pw-ivy-6:::::: proxy =x",        // 6 extra field without a name
                "alice:pw-alice-7",                   // 7 twice
                "").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'j', 'o', ':', (byte) 0xff, (byte) 0xfe, '\n'});  // 8 not UTF-8
        bytes.writeBytes("kim:pw-kim-9\n".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("users");
        Files.write(file, bytes.toByteArray());

        PasswdFilePassDb db;
        String log;
        try (LogCapture capture = new LogCapture()) {
            db = PasswdFilePassDb.open(file);
            log = capture.text();
        }

        List<Map<String, String>> skipped = LogfmtParser.messages(log, PasswdFilePassDb.class.getName()).stream()
                .filter(m -> m.contains("line skipped")).map(LogfmtParser::parse).toList();
        assertThat(skipped).extracting(m -> m.get("line")).containsExactly("2", "3", "4", "5", "6", "7", "8");
        assertThat(skipped).extracting(m -> m.get("file")).containsOnly(file.toString());
        assertThat(skipped).extracting(m -> m.get("reason")).containsExactly("empty user name",
                "user name contains white space or control characters", "uid is not a number", "gid is not a number",
                "extra field with an empty name", "user already defined on line 1, which is kept", "not UTF-8");
        assertThat(log).doesNotContain("pw-").doesNotContain("bad user");
        assertThat(log).contains("read: users 2, lines skipped 7");
        assertThat(lookup(db, "alice").field("password")).contains("pw-alice-1");
        assertThat(lookup(db, "kim").isFound()).isTrue();
        for (String user : List.of("", "bad user", "gus", "hal", "ivy", "jo")) {
            assertThat(lookup(db, user).status()).as(user).isEqualTo(PassDbResult.Status.NOT_FOUND);
        }
    }

    @Test
    void aReplacedFileIsReloaded() throws IOException {
        Path file = write("users", "alice:old\n");
        PasswdFilePassDb db = PasswdFilePassDb.open(file);
        assertThat(lookup(db, "alice").field("password")).contains("old");

        Path next = write("users.new", "alice:new\nbob:added\n");
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        Await.until("alice's new password", DEADLINE, () -> lookup(db, "alice").field("password").equals(
                Optional.of("new")));
        assertThat(lookup(db, "bob").isFound()).isTrue();
    }

    @Test
    void aFileRewrittenInPlaceIsReloaded() throws IOException {
        Path file = write("users", "alice:old\nbob:x\n");
        PasswdFilePassDb db = PasswdFilePassDb.open(file);
        assertThat(lookup(db, "bob").isFound()).isTrue();

        Files.writeString(file, "alice:renewed\n");

        Await.until("bob removed", DEADLINE, () -> !lookup(db, "bob").isFound());
        assertThat(lookup(db, "alice").field("password")).contains("renewed");
    }

    @Test
    void lookupsAnswerFromTheLastReadWhileTheExecutorReads() throws IOException {
        Path file = write("users", "alice:old\n");
        ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        PasswdFilePassDb db = PasswdFilePassDb.open(file, tasks::add);
        Files.writeString(file, "alice:new-and-longer\n");

        Await.until("a reload check scheduled", DEADLINE, () -> {
            assertThat(lookup(db, "alice").field("password")).contains("old");
            return !tasks.isEmpty();
        });
        assertThat(tasks).as("one check per second at most").hasSize(1);
        tasks.poll().run();

        assertThat(lookup(db, "alice").field("password")).contains("new-and-longer");
    }

    @Test
    void aMissingFileFailsLookupsTemporarilyUntilItAppears() throws IOException {
        Path file = dir.resolve("absent");
        PasswdFilePassDb db;
        PassDbResult result;
        String log;
        try (LogCapture capture = new LogCapture()) {
            db = PasswdFilePassDb.open(file);
            result = lookup(db, "alice");
            log = capture.text();
        }

        assertThat(result.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(result.failureReason()).contains(file.toString()).contains("missing");
        assertThat(log).contains("passwd-file " + file + " missing");

        write("absent", "alice:x\n");
        Await.until("the file read once it exists", DEADLINE, () -> lookup(db, "alice").isFound());
    }

    @Test
    void aDeletedFileFailsLookupsTemporarily() throws IOException {
        Path file = write("users", "alice:x\n");
        PasswdFilePassDb db = PasswdFilePassDb.open(file);
        assertThat(lookup(db, "alice").isFound()).isTrue();

        Files.delete(file);

        Await.until("temporary failure", DEADLINE,
                () -> lookup(db, "alice").status() == PassDbResult.Status.TEMPORARY_FAILURE);
    }

    @Test
    void toStringShowsThePathOnly() throws IOException {
        Path file = write("users", "alice:{PLAIN}topsecret\n");
        PasswdFilePassDb db = PasswdFilePassDb.open(file);

        assertThat(db).hasToString("PasswdFilePassDb[" + file + "]");
        assertThat(db.path()).isEqualTo(file);
        assertThat(lookup(db, "alice").toString()).doesNotContain("topsecret");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static PassDbResult lookup(PassDb db, String user) {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 12345);
        return db.lookup(new AuthRequest("imap", user, null, "PLAIN", address, address, false, "s1"))
                .toCompletableFuture().join();
    }
}
