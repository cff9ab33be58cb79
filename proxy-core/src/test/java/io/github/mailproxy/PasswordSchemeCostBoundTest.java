package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stored values whose cost parameters are within what the hash libraries accept but far beyond any
 * real setting: each must be refused as MALFORMED within {@link PasswordSchemeFuzzTest#MAX_VERIFY_TIME},
 * since a PassDb row (or a passwd-file line) must not be able to tie up a hashing thread for
 * minutes or allocate a gigabyte. Found by {@link PasswordSchemeFuzzTest} (the bcrypt one) and by
 * reading the schemes' bounds (the others).
 */

class PasswordSchemeCostBoundTest {

    private static final ExecutorService WORKER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "verify-cost-bound");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopWorker() {
        WORKER.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // bcrypt cost 24 (2^24 rounds); OpenBSDBCrypt accepts up to 31. Found by the fuzzer.
        "{BLF-CRYPT}$2y$24$epndH8i3N0AP3kTzbrahLeFPG6A/DQE4UMc/zan9tgh0JYNfqM.2C",
        "{BLF-CRYPT}$2y$31$epndH8i3N0AP3kTzbrahLeFPG6A/DQE4UMc/zan9tgh0JYNfqM.2C",
        // SHA-crypt rounds up to 999,999,999 are accepted by commons-codec's Sha2Crypt
        "{SHA512-CRYPT}$6$rounds=999999999$saltsalt$bbY.T.ZpN43KapLdmlSbP6MmxBlkMSbhrh.Y1rmY0fYaRO/t.4sKqUiU.Z8byKf8Oa1yagMn/0fncuHSYrb9h.",
        "{SHA256-CRYPT}$5$rounds=999999999$saltsalt$1E80wIeNUk6Tw.cvgykgsGLDhE7YCS/mO7gtCEoKze9",
        // Argon2 within Argon2Scheme's bounds: 1 GiB of memory, 65,536 passes
        "{ARGON2ID}$argon2id$v=19$m=1048576,t=65536,p=1$dfShLKQu1H97lTQExsvHRg$7pJ0zS9auMssxMie3U30FIAXyj34fnl5WnRHMCqCBZE",
        // PBKDF2 at Pbkdf2Scheme's bound of 10,000,000 rounds
        "{PBKDF2}$1$wIBOMN8BZCB3jkTY$10000000$508dbc6e31c982d7ff127ba28641544f33c7a395",
    })
    void aHugeCostIsRefusedQuickly(String stored) throws Exception {
        Future<PasswordScheme.Verdict> verdict = WORKER.submit(() -> PasswordScheme.dovecot().verify("pencil", stored));
        try {
            assertThat(verdict.get(PasswordSchemeFuzzTest.MAX_VERIFY_TIME.toMillis(), TimeUnit.MILLISECONDS))
                    .isEqualTo(PasswordScheme.Verdict.MALFORMED);
        } catch (TimeoutException e) {
            verdict.cancel(true);
            throw new AssertionError("still verifying after " + PasswordSchemeFuzzTest.MAX_VERIFY_TIME + ": " + stored);
        } catch (ExecutionException e) {
            throw new AssertionError("threw instead of answering", e.getCause());
        }
    }
}
