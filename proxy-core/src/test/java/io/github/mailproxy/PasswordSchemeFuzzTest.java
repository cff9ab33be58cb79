package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mailproxy.testing.FuzzInput;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fuzzes {@link PasswordScheme#verify} with stored values a PassDb may hold: whatever the value, the
 * answer is a {@link PasswordScheme.Verdict}, never an exception, and it comes quickly, so that a
 * stored value with a huge cost parameter (bcrypt cost, SHA-crypt rounds, PBKDF2 rounds, Argon2
 * memory and passes) is refused as MALFORMED rather than tying up a hashing thread.
 */
class PasswordSchemeFuzzTest {

    /**
     * The most one verification may take. Dovecot's own defaults cost well under 100 ms; a value
     * that takes longer than this on a test machine is a denial of service, not a password.
     */
    static final Duration MAX_VERIFY_TIME = Duration.ofSeconds(3);

    private static final PasswordScheme SCHEMES = PasswordScheme.dovecot();
    private static final ExecutorService WORKER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "verify-under-fuzz");
        t.setDaemon(true); // a verification that overran is abandoned, not waited for
        return t;
    });

    /** Fields: password, stored value (see {@link FuzzInput}). */
    @FuzzTest(maxDuration = "60s")
    void verify(byte[] bytes) throws InterruptedException {
        FuzzInput in = FuzzInput.of(bytes);
        String password = in.field(0, 2);
        String stored = in.field(1, 2);
        PasswordScheme.Verdict verdict = withinTimeBound(stored, () -> SCHEMES.verify(password, stored));
        assertThat(verdict).isNotNull();
    }

    /** Fields: challenge, client digest in hex, stored value. */
    @FuzzTest(maxDuration = "60s")
    void verifyCramMd5(byte[] bytes) throws InterruptedException {
        FuzzInput in = FuzzInput.of(bytes);
        String challenge = in.field(0, 3);
        String digest = in.field(1, 3);
        String stored = in.field(2, 3);
        PasswordScheme.Verdict verdict = withinTimeBound(stored, () -> SCHEMES.verifyCramMd5(stored, challenge, digest));
        assertThat(verdict).isNotNull();
        SCHEMES.schemeOf(stored);
        SCHEMES.isExpensive(stored);
        SCHEMES.plaintext(stored);
    }

    private static PasswordScheme.Verdict withinTimeBound(String stored, java.util.concurrent.Callable<PasswordScheme.Verdict> check)
            throws InterruptedException {
        Future<PasswordScheme.Verdict> verdict = WORKER.submit(check);
        try {
            return verdict.get(MAX_VERIFY_TIME.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            verdict.cancel(true);
            throw new AssertionError("verifying against a stored value took over " + MAX_VERIFY_TIME
                    + "; a value this costly must be refused as MALFORMED: " + stored);
        } catch (ExecutionException e) {
            throw new AssertionError("verify threw instead of answering with a Verdict", e.getCause());
        }
    }
}
