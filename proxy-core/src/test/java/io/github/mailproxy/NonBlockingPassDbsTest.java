package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.internal.AuthCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which PassDbs the proxy may call on its event loops: the shipped ones say so, a lambda does not. */
class NonBlockingPassDbsTest {

    @Test
    void aLambdaMayBlockUnlessItSaysOtherwise() {
        PassDb lambda = request -> CompletableFuture.completedFuture(PassDbResult.notFound());
        assertThat(lambda.nonBlocking()).isFalse();
    }

    @Test
    void theStaticPassDbAnswersFromMemory() {
        assertThat(StaticPassDb.parse("proxy=y host=10.0.0.1 nopassword=y").nonBlocking()).isTrue();
    }

    @Test
    void thePasswdFilePassDbReadsTheFileOnItsOwnThread(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("users"), "alice:{PLAIN}pw::::::proxy host=10.0.0.1\n");
        assertThat(PasswdFilePassDb.open(file).nonBlocking()).isTrue();
    }

    @Test
    void theAuthCacheIsAsNonBlockingAsThePassDbBehindIt() {
        AuthCacheSpec spec = AuthCacheSpec.maximumSize(10);
        assertThat(new AuthCache(spec, StaticPassDb.parse("proxy=y host=10.0.0.1")).nonBlocking()).isTrue();
        assertThat(new AuthCache(spec, request -> CompletableFuture.completedFuture(PassDbResult.notFound()))
                .nonBlocking()).isFalse();
    }
}
