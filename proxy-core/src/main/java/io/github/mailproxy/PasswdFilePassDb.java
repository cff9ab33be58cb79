package io.github.mailproxy;

import io.github.mailproxy.internal.DiskReader;
import io.github.mailproxy.internal.Text;
import io.github.mailproxy.internal.scheme.PasswdFileParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PassDb over a file in Dovecot's passwd-file format, reloaded when the file changes.
 *
 * <p>Each line is {@code user:password:uid:gid:gecos:home:shell:extra_fields}; every field after the
 * user may be left out. The password (any {@link PasswordScheme} value, empty for none) becomes the
 * {@code password} field; extra fields are space-separated {@code key=value} or bare {@code key}
 * (present without value) and become fields as they are. uid, gid and home become
 * {@code userdb_uid}, {@code userdb_gid} and {@code userdb_home}. Lines starting with {@code #} and
 * blank lines are skipped; so is a malformed line (empty user name, non-numeric uid or gid, an extra
 * field without a name, a user defined twice, not UTF-8), logged with its line number and never its
 * password. Users are looked up by their exact name.
 *
 * <pre>{@code
 * # /etc/mailproxy/users
 * alice:{SHA512-CRYPT}$6$...::::::proxy host=10.1.2.3 destuser=alice@example.org
 * bob::::::: proxy host=10.1.2.4 nopassword
 *
 * PassDb users = PasswdFilePassDb.open(Path.of("/etc/mailproxy/users"));
 * }</pre>
 *
 * <p>Lookups never touch the disk: they answer from the last file read. At most once a second a
 * lookup asks a background thread (or the given executor) to look at the file's modification time,
 * size and identity and to read it again when one of them changed, so a changed file is in effect
 * a second or so after it was written. Write the file elsewhere and rename it into place so a reader
 * never sees half of it. While the file is missing or unreadable every lookup is a
 * {@linkplain PassDbResult#temporaryFailure temporary failure}, as in Dovecot.
 */
public final class PasswdFilePassDb implements PassDb {

    private static final Logger LOG = LoggerFactory.getLogger(PasswdFilePassDb.class);
    private static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path path;
    private final Executor executor;
    private final AtomicLong nextCheck;
    /** Written only by {@link #refresh()}, which runs on one thread at a time. */
    private volatile Snapshot snapshot = new Snapshot(null, Map.of(), "not read yet");

    private PasswdFilePassDb(Path path, Executor executor) {
        this.path = path;
        this.executor = executor;
        this.nextCheck = new AtomicLong(System.nanoTime() + CHECK_INTERVAL_NANOS);
    }

    /**
     * Reads the file now, on the calling thread, and later on a daemon thread of its own that ends
     * when idle. A missing file is not an error here: lookups fail temporarily until it appears.
     *
     * @param path the passwd-file
     * @return the PassDb
     */
    public static PasswdFilePassDb open(Path path) {
        return open(path, DiskReader.newExecutor("passwd-file-reader"));
    }

    /**
     * Like {@link #open(Path)}, but later reads run on the given executor, one at a time.
     *
     * @param path     the passwd-file
     * @param executor runs the file checks and reloads, which may block on disk; must run them on threads
     *                 of its own, never on the caller's (lookups call it on an event loop)
     * @return the PassDb
     */
    public static PasswdFilePassDb open(Path path, Executor executor) {
        PasswdFilePassDb db = new PasswdFilePassDb(Objects.requireNonNull(path, "path"),
                Objects.requireNonNull(executor, "executor"));
        db.refresh();
        return db;
    }

    /** @return the file this PassDb reads */
    public Path path() {
        return path;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        scheduleCheckIfDue();
        Snapshot current = snapshot;
        if (current.failure() != null) {
            return CompletableFuture.completedFuture(
                    PassDbResult.temporaryFailure("passwd-file " + path + ": " + current.failure()));
        }
        PassDbResult result = current.users().get(request.user());
        return CompletableFuture.completedFuture(result != null ? result : PassDbResult.notFound());
    }

    /**
     * @return true: a lookup reads the copy in memory; checking and reading the file happen on the
     *         executor given to {@link #open(Path, Executor)}, which must therefore hand work to other
     *         threads rather than run it on the caller's
     */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    private void scheduleCheckIfDue() {
        long now = System.nanoTime();
        long due = nextCheck.get();
        // Only the lookup that wins the swap schedules, so at most one check is queued per interval.
        if (now - due >= 0 && nextCheck.compareAndSet(due, now + CHECK_INTERVAL_NANOS)) {
            try {
                executor.execute(this::refresh);
            } catch (RuntimeException e) {
                LOG.warn("passwd-file {}: could not schedule a reload check ({})", path, e.toString());
            }
        }
    }

    /** Reads the file if it changed since the last read; runs on one thread at a time. */
    private synchronized void refresh() {
        Snapshot current = snapshot;
        Stamp stamp;
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            stamp = new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        } catch (NoSuchFileException e) {
            fail(current, "missing");
            return;
        } catch (IOException | RuntimeException e) {
            fail(current, "cannot be read (" + e.getClass().getSimpleName() + ")");
            return;
        }
        if (stamp.equals(current.stamp()) && current.failure() == null) {
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            fail(current, "missing");
            return;
        } catch (IOException | RuntimeException e) {
            fail(current, "cannot be read (" + e.getClass().getSimpleName() + ")");
            return;
        }
        PasswdFileParser.Contents contents = PasswdFileParser.parse(bytes);
        for (PasswdFileParser.Problem problem : contents.problems()) {
            LOG.warn("msg=\"passwd-file line skipped\" file={} line={} reason={}", Text.logValue(path.toString()), problem.line(), Text.logValue(problem.reason()));
        }
        // The stamp is from before the read, so a write during the read is seen by the next check.
        snapshot = new Snapshot(stamp, contents.users(), null);
        LOG.info("passwd-file {} read: users {}, lines skipped {}", path, contents.users().size(),
                contents.problems().size());
    }

    private void fail(Snapshot current, String why) {
        if (!why.equals(current.failure())) {
            LOG.error("passwd-file {} {}; lookups fail temporarily until it can be read", path, why);
        }
        snapshot = new Snapshot(null, Map.of(), why);
    }

    @Override
    public String toString() {
        return "PasswdFilePassDb[" + path + "]";
    }

    /** What identifies one version of the file. */
    private record Stamp(FileTime modified, long size, Object fileKey) {
    }

    /** One reading of the file, or why there is none. */
    private record Snapshot(Stamp stamp, Map<String, PassDbResult> users, String failure) {
    }
}
