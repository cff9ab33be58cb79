package io.github.mailproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads what a set of processes cost from {@code /proc}: CPU time ({@code utime + stime} of
 * {@code /proc/PID/stat}) and proportional set size ({@code Pss} of {@code /proc/PID/smaps_rollup}).
 * PSS, not RSS, because Dovecot's and nginx's processes share pages with each other.
 */
final class ProcStats {

    /** Clock ticks per second of {@code /proc/PID/stat}; 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    /**
     * @param root a process
     * @param keep which of the root and its descendants count, by {@code /proc/PID/comm}
     * @return the matching pids among the root and all its descendants
     */
    static List<Long> tree(long root, Predicate<String> keep) {
        List<Long> all = new ArrayList<>();
        all.add(root);
        ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> all.add(d.pid())));
        List<Long> kept = new ArrayList<>();
        for (long pid : all) {
            String comm = comm(pid);
            if (comm != null && keep.test(comm)) {
                kept.add(pid);
            }
        }
        return kept;
    }

    /** @return the process's command name, or null when it is gone */
    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param pids processes
     * @return CPU seconds used so far by each process that still exists
     */
    static Map<Long, Double> cpu(Collection<Long> pids) {
        Map<Long, Double> cpu = new HashMap<>();
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // fields after the command name, which may hold spaces and parentheses
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // f[0] is field 3 (state); utime and stime are fields 14 and 15
                cpu.put(pid, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND);
            } catch (IOException | RuntimeException e) {
                // the process exited; its CPU is lost, which only happens to short-lived helpers
            }
        }
        return cpu;
    }

    /**
     * @param before CPU per pid at the start
     * @param after  CPU per pid at the end
     * @return CPU seconds used in between; a pid new in {@code after} counts from zero
     */
    static double cpuDelta(Map<Long, Double> before, Map<Long, Double> after) {
        double sum = 0;
        for (Map.Entry<Long, Double> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0.0);
        }
        return sum;
    }

    /**
     * @param pids processes
     * @return the sum of their proportional set sizes, in bytes
     */
    static long pss(Collection<Long> pids) {
        long kb = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return kb * 1024;
    }

    /** @return this process's limit on open files */
    static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 1024;
    }

    /**
     * @param pid a process
     * @return CPU seconds per thread name (threads of one name summed), for finding where a JVM's
     *         CPU goes: event loops, JIT compiler, GC, logging
     */
    static Map<String, Double> threadCpu(long pid) {
        Map<String, Double> cpu = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+$", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    cpu.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // thread ended
                }
            }
        } catch (IOException e) {
            // process ended
        }
        return cpu;
    }

    /**
     * Live Java heap of a JVM, from {@code jcmd PID GC.class_histogram} (which runs a full GC first):
     * the JVM's retained objects, which PSS can hide when they land in heap pages already touched.
     *
     * @param pid a JVM
     * @return live heap bytes, or -1 when jcmd failed
     */
    static long liveHeap(long pid) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            jcmd.waitFor();
            for (String line : out.split("\n")) {
                if (line.startsWith("Total")) {
                    return Long.parseLong(line.trim().split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /**
     * @param pids processes
     * @return user and system CPU seconds summed over the processes that exist, as {user, system}
     */
    static double[] userSystem(Collection<Long> pids) {
        double[] us = new double[2];
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                us[0] += Long.parseLong(f[11]) / TICKS_PER_SECOND;
                us[1] += Long.parseLong(f[12]) / TICKS_PER_SECOND;
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return us;
    }
}
