package io.github.mailproxy.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread. Every channel registered here, and the state of every session on it, is
 * touched only by this thread; other threads hand work over with {@link #execute(Runnable)}, which
 * wakes the selector only when it is (or is about to be) blocked.
 *
 * <p>A {@link RuntimeException} from a session's code costs that session only. An {@link Error}
 * ({@code OutOfMemoryError}, {@code StackOverflowError}) leaves the loop in an unknown state, so it
 * ends the loop: the failure handler given at construction runs on the dying thread, then every
 * channel still registered is closed with the selector.
 */
final class EventLoop implements Executor {

    /** What a selection key's attachment must be. */
    interface Ready {
        /**
         * @param key the key whose channel is ready
         */
        void ready(SelectionKey key);
    }

    /**
     * A task to run later on the loop; {@link #cancel()} may be called from the loop only. A
     * cancelled timer stays queued until its deadline, so it lets go of its task at once: otherwise
     * a closed session would stay reachable (with its channels) until its login timeout.
     */
    static final class Timer implements Comparable<Timer> {
        private final long deadline;
        private Runnable task;

        private Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        void cancel() {
            task = null;
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(deadline, o.deadline);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** {@link #busyWith()} while the loop waits in {@code select}: not stuck, however long it waits. */
    static final Object SELECTING = new Object();
    private static final VarHandle WORK_COUNT;
    private static final VarHandle BUSY_WITH;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORK_COUNT = lookup.findVarHandle(EventLoop.class, "workCount", long.class);
            BUSY_WITH = lookup.findVarHandle(EventLoop.class, "busyWith", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Consumer<SelectionKey> onKey = this::onKey;
    private final BufferPool pool;
    private final Consumer<Throwable> onFailure;
    private volatile boolean running = true;
    /*
     * What LoopWatchdog reads from its own thread. Before every key, task, timer and select the loop
     * notes what it starts and counts one; a count that has not moved for a while, outside select,
     * is a stuck loop. Release stores (plain moves on x86): no clock read, fence or allocation per
     * event, since this runs for every event of every session.
     */
    @SuppressWarnings("unused") // through WORK_COUNT
    private long workCount;
    @SuppressWarnings("unused") // through BUSY_WITH
    private Object busyWith = SELECTING;

    /**
     * @param name      the thread's name
     * @param pool      this loop's buffers
     * @param onFailure called on the loop's thread, before its channels are closed, when an
     *                  {@link Error} (or an unexpected exception outside any session) ends the loop
     * @throws IOException if no selector can be opened
     */
    EventLoop(String name, BufferPool pool, Consumer<Throwable> onFailure) throws IOException {
        this.selector = Selector.open();
        this.pool = pool;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Closes the selector of a loop that was never started (a server that failed to start). */
    void closeUnstarted() {
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException("the loop was started");
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing selector", e);
        }
    }

    /** @return this loop's thread name */
    String name() {
        return thread.getName();
    }

    void start() {
        thread.start();
    }

    /** @return how many keys, tasks, timers and selects the loop has started; read by the watchdog */
    long workCount() {
        return (long) WORK_COUNT.getAcquire(this);
    }

    /** @return the key attachment, task or timer task the loop runs (or ran last), or {@link #SELECTING} */
    Object busyWith() {
        return BUSY_WITH.getAcquire(this);
    }

    /** @return the loop thread's stack now; empty if it is not running */
    StackTraceElement[] stack() {
        return thread.getStackTrace();
    }

    /** Notes the start of a piece of work (or of a select) for the watchdog; called on the loop only. */
    private void starting(Object work) {
        BUSY_WITH.setRelease(this, work);
        // the loop is the only writer, so a plain read and a release store count without a lock
        WORK_COUNT.setRelease(this, (long) WORK_COUNT.get(this) + 1);
    }

    BufferPool pool() {
        return pool;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /**
     * Runs a task after a delay. Call on the loop.
     *
     * @param delayNanos the delay
     * @param task       the task
     * @return a handle to cancel it
     */
    Timer schedule(long delayNanos, Runnable task) {
        Timer t = new Timer(System.nanoTime() + delayNanos, task);
        timers.add(t);
        return t;
    }

    SelectionKey register(SelectableChannel channel, int ops, Ready attachment) throws IOException {
        return channel.register(selector, ops, attachment);
    }

    /** Stops the loop after its current iteration and closes the selector; waits for the thread. */
    void shutdown(long waitMillis) {
        running = false;
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Throwable failure = null;
        try {
            while (running) {
                long timeoutMillis = 0;
                Timer next = timers.peek();
                if (next != null) {
                    long nanos = next.deadline - System.nanoTime();
                    timeoutMillis = Math.max(1, (nanos + 999_999) / 1_000_000);
                }
                starting(SELECTING);
                if (!tasks.isEmpty()) {
                    selector.selectNow(onKey);
                } else {
                    selector.select(onKey, timeoutMillis);
                }
                wakeupPending.set(false);
                runTasks();
                runTimers();
            }
        } catch (ClosedSelectorException e) {
            // closed during shutdown
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (failure != null) {
                running = false;
                try {
                    onFailure.accept(failure);
                } catch (Throwable t) {
                    failure.addSuppressed(t); // nothing better to do: the channels are closed below
                }
            } else {
                runTasks();
            }
            try {
                for (SelectionKey key : selector.keys()) {
                    closeQuietly(key);
                }
                selector.close();
            } catch (IOException | ClosedSelectorException e) {
                LOG.debug("closing selector", e);
            }
        }
    }

    private static void closeQuietly(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException e) {
            LOG.debug("closing channel", e);
        }
    }

    private void onKey(SelectionKey key) {
        Object attachment = key.attachment();
        starting(attachment);
        try {
            ((Ready) attachment).ready(key);
        } catch (RuntimeException e) {
            // A session's bug must not take the loop down; the session closes itself where it can.
            LOG.error("unexpected error handling {}", attachment, e);
            key.cancel();
            closeQuietly(key);
        }
    }

    private void runTasks() {
        Runnable task;
        int budget = 4096;
        while (budget-- > 0 && (task = tasks.poll()) != null) {
            starting(task);
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("unexpected error in a loop task", e);
            }
        }
    }

    private void runTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            Runnable task = t.task;
            if (task != null) {
                t.task = null;
                starting(task);
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("unexpected error in a timer", e);
                }
            }
        }
    }
}
