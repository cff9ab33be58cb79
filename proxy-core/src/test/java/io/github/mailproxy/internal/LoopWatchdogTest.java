package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.scheme.LogCapture;
import io.github.mailproxy.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The loop watchdog on a real loop, with a threshold of 200 ms. */
class LoopWatchdogTest {

    private static final Duration THRESHOLD = Duration.ofMillis(200);

    private EventLoop loop;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startLoop() throws IOException {
        loop = new EventLoop("watched-loop", new BufferPool(1024, 1, new AtomicInteger(), new AtomicInteger()), t -> { });
        loop.start();
    }

    @AfterEach
    void stopLoop() {
        release.countDown();
        loop.shutdown(5000);
    }

    private static long warnings(LogCapture log) {
        return log.text().lines().filter(l -> l.contains("event loop blocked")).count();
    }

    /** Blocks the loop in a task of this class until released, 5 s at most. */
    private void blockTheLoop(CountDownLatch started, CountDownLatch until) {
        loop.execute(() -> {
            started.countDown();
            try {
                until.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void aLoopBusyLongerThanTheThresholdIsReportedWithItsTaskAndStack() throws Exception {
        LoopWatchdog watchdog = new LoopWatchdog(List.of(loop), THRESHOLD, "test-watchdog");
        try (LogCapture log = new LogCapture()) {
            watchdog.start();
            CountDownLatch started = new CountDownLatch(1);
            blockTheLoop(started, release);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            Await.until("the WARN", Duration.ofSeconds(5), () -> warnings(log) == 1);
            release.countDown();
            String text = log.text();
            assertThat(text).contains("WARN", "loop=watched-loop", "threshold_ms=200",
                    "task=io.github.mailproxy.internal.LoopWatchdogTest(lambda)",
                    "LoopWatchdog$LoopBlocked", "java.util.concurrent.CountDownLatch.await(",
                    "io.github.mailproxy.internal.LoopWatchdogTest.lambda$blockTheLoop");
        } finally {
            watchdog.stop();
        }
    }

    @Test
    void oneStuckEpisodeIsReportedOnceAndTheNextAgain() throws Exception {
        // not started: the test calls check() itself, as the thread would, with a clock it moves
        LoopWatchdog watchdog = new LoopWatchdog(List.of(loop), THRESHOLD, "unused");
        long threshold = THRESHOLD.toNanos();
        try (LogCapture log = new LogCapture()) {
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch firstStarted = new CountDownLatch(1);
            blockTheLoop(firstStarted, first);
            assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            watchdog.check(t0);
            assertThat(warnings(log)).as("first seen").isZero();
            for (int i = 1; i <= 5; i++) {
                watchdog.check(t0 + i * threshold);
            }
            assertThat(warnings(log)).as("five looks at one episode").isEqualTo(1);
            assertThat(log.text()).contains("blocked_ms=200 ");

            first.countDown();
            Await.until("the loop back in select", Duration.ofSeconds(5),
                    () -> loop.busyWith() == EventLoop.SELECTING);
            watchdog.check(t0 + 10 * threshold);
            watchdog.check(t0 + 20 * threshold);
            assertThat(warnings(log)).as("a loop waiting for events").isEqualTo(1);

            CountDownLatch secondStarted = new CountDownLatch(1);
            blockTheLoop(secondStarted, release);
            assertThat(secondStarted.await(5, TimeUnit.SECONDS)).isTrue();
            watchdog.check(t0 + 30 * threshold);
            watchdog.check(t0 + 31 * threshold);
            assertThat(warnings(log)).as("a second episode").isEqualTo(2);
        }
    }

    @Test
    void workShorterThanTheThresholdIsNotReported() throws Exception {
        LoopWatchdog watchdog = new LoopWatchdog(List.of(loop), THRESHOLD, "unused");
        try (LogCapture log = new LogCapture()) {
            CountDownLatch started = new CountDownLatch(1);
            blockTheLoop(started, release);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            watchdog.check(t0);
            watchdog.check(t0 + THRESHOLD.toNanos() / 2);
            assertThat(warnings(log)).isZero();
        }
    }

    @Test
    void aLoopWaitingForEventsIsNeverReported() throws Exception {
        LoopWatchdog watchdog = new LoopWatchdog(List.of(loop), THRESHOLD, "unused");
        try (LogCapture log = new LogCapture()) {
            Await.until("the loop in select", Duration.ofSeconds(5), () -> loop.busyWith() == EventLoop.SELECTING);
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                watchdog.check(t0 + i * THRESHOLD.toNanos());
            }
            assertThat(warnings(log)).isZero();
        }
    }

    @Test
    void aLambdaIsNamedByTheClassThatMadeIt() {
        Runnable lambda = () -> { };
        assertThat(LoopWatchdog.describe(lambda)).isEqualTo("io.github.mailproxy.internal.LoopWatchdogTest(lambda)");
        assertThat(LoopWatchdog.describe("text")).isEqualTo("java.lang.String");
        assertThat(LoopWatchdog.describe(null)).isEqualTo("unknown");
    }
}
