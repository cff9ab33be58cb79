package io.github.mailproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Counts the open file descriptors of this JVM from {@code /proc/self/fd}, so a test of a proxy running
 * in-process can check that a fault left no socket, selector or pipe behind.
 *
 * <pre>{@code
 * FileDescriptors.Snapshot before = FileDescriptors.snapshot();
 * // ... a client vanishes mid-literal ...
 * LeakCheck.assertNothingLeaked(server);
 * FileDescriptors.assertBackTo(before);
 * }</pre>
 *
 * <p>Where there is no {@code /proc} (not Linux) a snapshot is empty and the check passes trivially;
 * {@link #supported()} tells which.
 */
public final class FileDescriptors {

    private static final Path FDS = Path.of("/proc/self/fd");
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private FileDescriptors() {
    }

    /**
     * The descriptors open at one moment.
     *
     * @param targets descriptor number to what it points at ({@code socket:[123]}, a path, ...)
     */
    public record Snapshot(Map<Integer, String> targets) {

        /** @param targets descriptor number to target; copied */
        public Snapshot {
            targets = Map.copyOf(targets);
        }

        /** @return how many descriptors were open */
        public int count() {
            return targets.size();
        }

        /** @return the descriptors of {@code now} that are not in this snapshot, with their targets */
        public List<String> addedIn(Snapshot now) {
            List<String> added = new ArrayList<>();
            new TreeMap<>(now.targets).forEach((fd, target) -> {
                if (!target.equals(targets.get(fd))) {
                    added.add(fd + " -> " + target);
                }
            });
            return added;
        }
    }

    /** @return whether this platform lets the JVM list its own descriptors */
    public static boolean supported() {
        return Files.isDirectory(FDS);
    }

    /** @return the number of descriptors open now, 0 where unsupported */
    public static int count() {
        return snapshot().count();
    }

    /** @return the descriptors open now; empty where unsupported */
    public static Snapshot snapshot() {
        if (!supported()) {
            return new Snapshot(Map.of());
        }
        Map<Integer, String> targets = new TreeMap<>();
        try (Stream<Path> entries = Files.list(FDS)) {
            // the directory stream itself holds a descriptor while listing: it is left out below
            for (Path entry : (Iterable<Path>) entries::iterator) {
                try {
                    targets.put(Integer.valueOf(entry.getFileName().toString()),
                            Files.readSymbolicLink(entry).toString());
                } catch (IOException e) {
                    // closed between listing and reading: it is not open any more
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        targets.values().removeIf(target -> target.equals(FDS.toString()) || target.startsWith("/proc/")
                && target.endsWith("/fd"));
        return new Snapshot(targets);
    }

    /**
     * Waits up to ten seconds until no more descriptors are open than in {@code baseline}.
     *
     * @param baseline the snapshot taken before the test's connections were made
     * @throws AssertionError naming the descriptors still open beyond the baseline
     */
    public static void assertBackTo(Snapshot baseline) {
        assertBackTo(baseline, DEFAULT_DEADLINE);
    }

    /**
     * Waits until no more descriptors are open than in {@code baseline}.
     *
     * @param baseline the snapshot taken before the test's connections were made
     * @param deadline how long to wait at most
     * @throws AssertionError naming the descriptors still open beyond the baseline
     */
    public static void assertBackTo(Snapshot baseline, Duration deadline) {
        Await.until(() -> {
            Snapshot now = snapshot();
            return "at most " + baseline.count() + " file descriptors, but " + now.count() + "; new: "
                    + baseline.addedIn(now);
        }, deadline, () -> count() <= baseline.count());
    }
}
