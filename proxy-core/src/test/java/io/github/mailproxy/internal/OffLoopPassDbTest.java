package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hand-over of a blocking PassDb's lookups to a bounded pool, with a pool of one thread and a queue of one. */
class OffLoopPassDbTest {

    private static final AuthRequest REQUEST = new AuthRequest("imap", "alice", "secret", "PLAIN",
            new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 143), false, "s1");

    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1));
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger busy = new AtomicInteger();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private OffLoopPassDb offLoop(PassDb delegate, Executor callerLoop) {
        return new OffLoopPassDb(delegate, pool, () -> callerLoop, request -> busy.incrementAndGet());
    }

    private PassDb waiting() {
        return request -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(PassDbResult.notFound());
        };
    }

    @Test
    void lookupsBeyondThePoolAndItsQueueAreTemporaryFailuresAtOnce() throws Exception {
        OffLoopPassDb db = offLoop(waiting(), null);
        CompletableFuture<PassDbResult> running = db.lookup(REQUEST).toCompletableFuture();
        CompletableFuture<PassDbResult> queued = db.lookup(REQUEST).toCompletableFuture();
        CompletableFuture<PassDbResult> refused = db.lookup(REQUEST).toCompletableFuture();

        assertThat(refused).isCompleted();
        assertThat(refused.get().status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(refused.get().failureReason()).contains(OffLoopPassDb.BUSY);
        assertThat(busy).hasValue(1);
        assertThat(running).isNotDone();
        assertThat(queued).isNotDone();

        release.countDown();
        assertThat(running.get(5, TimeUnit.SECONDS).status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
        assertThat(queued.get(5, TimeUnit.SECONDS).status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
    }

    @Test
    void theAnswerIsHandedToTheCallersLoop() throws Exception {
        CountDownLatch handedOver = new CountDownLatch(1);
        Thread[] completedOn = new Thread[1];
        Executor loop = task -> {
            Thread t = new Thread(() -> {
                completedOn[0] = Thread.currentThread();
                task.run();
                handedOver.countDown();
            }, "fake-loop");
            t.start();
        };
        CompletableFuture<PassDbResult> answer = offLoop(
                request -> CompletableFuture.completedFuture(PassDbResult.notFound()), loop).lookup(REQUEST)
                .toCompletableFuture();
        assertThat(answer.get(5, TimeUnit.SECONDS).status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
        assertThat(handedOver.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(completedOn[0].getName()).isEqualTo("fake-loop");
    }

    @Test
    void aThrowingPassDbANullStageAndAFailedStageFailTheLookup() {
        PassDb throwing = request -> {
            throw new IllegalStateException("bug");
        };
        assertFailsWith(offLoop(throwing, null).lookup(REQUEST), IllegalStateException.class);
        assertFailsWith(offLoop(request -> null, null).lookup(REQUEST), IllegalStateException.class);
        assertFailsWith(offLoop(request -> CompletableFuture.failedFuture(new SQLException("down")), null)
                .lookup(REQUEST), SQLException.class);
    }

    @Test
    void anErrorInThePassDbFailsTheLookupAtOnce() {
        PassDb overflowing = request -> {
            throw new StackOverflowError("too deep");
        };
        assertFailsWith(offLoop(overflowing, null).lookup(REQUEST), StackOverflowError.class);
    }

    @Test
    void itKeepsTheCacheKeyOfThePassDbBehindAndNeverBlocks() {
        PassDb byAddress = new PassDb() {
            @Override
            public CompletionStage<PassDbResult> lookup(AuthRequest request) {
                return CompletableFuture.completedFuture(PassDbResult.notFound());
            }

            @Override
            public Set<CacheKeyPart> cacheKey() {
                return EnumSet.of(CacheKeyPart.USER, CacheKeyPart.CLIENT_ADDRESS);
            }
        };
        OffLoopPassDb db = offLoop(byAddress, null);
        assertThat(db.cacheKey()).containsExactlyInAnyOrder(PassDb.CacheKeyPart.USER, PassDb.CacheKeyPart.CLIENT_ADDRESS);
        assertThat(byAddress.nonBlocking()).as("the default").isFalse();
        assertThat(db.nonBlocking()).isTrue();
    }

    @Test
    void theEnginesPoolHasSixtyFourPlacesPerThreadAndNamedDaemonThreads() throws Exception {
        ThreadPoolExecutor engines = OffLoopPassDb.newExecutor(2);
        try {
            assertThat(engines.getQueue().remainingCapacity()).isEqualTo(2 * OffLoopPassDb.QUEUE_PER_THREAD);
            Thread[] ran = new Thread[1];
            engines.submit(() -> ran[0] = Thread.currentThread()).get(5, TimeUnit.SECONDS);
            assertThat(ran[0].getName()).matches("mailproxy-passdb-\\d+-1");
            assertThat(ran[0].isDaemon()).isTrue();
        } finally {
            engines.shutdownNow();
        }
    }

    private static void assertFailsWith(CompletionStage<PassDbResult> stage, Class<? extends Throwable> type) {
        assertThatThrownBy(() -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(type);
    }
}
