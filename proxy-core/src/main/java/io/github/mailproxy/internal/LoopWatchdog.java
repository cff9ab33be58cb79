package io.github.mailproxy.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices an event loop stuck in one piece of work, as Vert.x's blocked-thread checker does: a
 * daemon thread per engine looks at every loop a few times per threshold and, when one has run the
 * same key, task or timer for longer than the threshold, logs one WARN naming the loop, what it runs
 * and the first frames of its stack. One line per stuck episode, however long it lasts.
 *
 * <p>Unlike Vert.x, the loop does not read the clock per event: it only counts the pieces of work it
 * starts ({@link EventLoop#workCount()}), and the watchdog times how long a count stays the same.
 * A report thus comes between one threshold and one threshold plus one look after the work began,
 * and the time it gives is how long the watchdog has seen the loop stuck, at least that.
 *
 * <p>It only watches: a loop that blocks (a PassDb that says {@code nonBlocking()} and is not, an
 * {@code AuthStrategy} or listener doing I/O) stalls every session on it, and the stack names the
 * culprit for whoever reads the log.
 */
final class LoopWatchdog {

    /** The busy time after which a loop is reported; Vert.x's default is 2 s too. */
    static final Duration DEFAULT_THRESHOLD = Duration.ofSeconds(2);

    /** Stack frames logged: enough to show the blocking call and the code that made it. */
    static final int FRAMES = 12;

    private static final Logger LOG = LoggerFactory.getLogger(LoopWatchdog.class);

    private final List<EventLoop> loops;
    private final long thresholdNanos;
    private final long intervalNanos;
    /** Per loop, the work count at the last look, when it was first seen, and the count already reported. */
    private final long[] seenCount;
    private final long[] seenAt;
    private final long[] reported;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param loops     the loops to watch
     * @param threshold how long one piece of work may run before it is reported
     * @param name      the watchdog thread's name
     */
    LoopWatchdog(List<EventLoop> loops, Duration threshold, String name) {
        this.loops = List.copyOf(loops);
        this.thresholdNanos = threshold.toNanos();
        // a few looks per threshold, so a report comes at most about a quarter late; never busier than 100/s
        this.intervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                Math.min(TimeUnit.SECONDS.toNanos(1), thresholdNanos / 4));
        this.seenCount = new long[loops.size()];
        this.seenAt = new long[loops.size()];
        this.reported = new long[loops.size()];
        Arrays.fill(seenCount, -1);
        Arrays.fill(reported, -1);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the thread and waits briefly for it, so that no watchdog outlives its engine. */
    void stop() {
        running = false;
        thread.interrupt();
        if (Thread.currentThread() != thread && thread.getState() != Thread.State.NEW) {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (running) {
            try {
                TimeUnit.NANOSECONDS.sleep(intervalNanos);
            } catch (InterruptedException e) {
                return;
            }
            check(System.nanoTime());
        }
    }

    /**
     * Looks at every loop once; called by the watchdog thread only.
     *
     * @param now {@link System#nanoTime()}
     */
    void check(long now) {
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            long count = loop.workCount();
            Object work = loop.busyWith();
            if (count != seenCount[i] || work == EventLoop.SELECTING) {
                seenCount[i] = count;  // it moved on, or it waits for events: a new episode may start here
                seenAt[i] = now;
                continue;
            }
            if (count == reported[i] || now - seenAt[i] < thresholdNanos) {
                continue;
            }
            StackTraceElement[] stack = loop.stack();
            if (stack.length == 0 || loop.workCount() != count) {
                continue;  // it ended (failed or shut down), or moved on while we looked
            }
            reported[i] = count;
            LoopBlocked trace = new LoopBlocked();
            trace.setStackTrace(Arrays.copyOf(stack, Math.min(FRAMES, stack.length)));
            LOG.warn("msg=\"event loop blocked; its sessions wait\" loop={} blocked_ms={} threshold_ms={} task={}",
                    loop.name(), TimeUnit.NANOSECONDS.toMillis(now - seenAt[i]),
                    TimeUnit.NANOSECONDS.toMillis(thresholdNanos), describe(work), trace);
        }
    }

    /**
     * Names a piece of work by its class, never by its {@code toString()}, which would run a
     * session's code on this thread (and could print what a client sent). A lambda is named by the
     * class that made it.
     */
    static String describe(Object work) {
        if (work == null) {
            return "unknown";
        }
        String name = work.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda < 0 ? name : name.substring(0, lambda) + "(lambda)";
    }

    /** Carries the stuck loop's stack into the log line; never thrown. */
    static final class LoopBlocked extends Exception {
        private static final long serialVersionUID = 1L;

        LoopBlocked() {
            super("the loop thread's stack when it was seen blocked", null, false, true);
        }
    }
}
