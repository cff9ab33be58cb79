package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void aPassDbFailureIsNamedByItsCauseNotItsWrapper() {
        CompletableFuture<String> failed = CompletableFuture.failedFuture(new SQLTransientConnectionException("db down"));
        Throwable[] seen = new Throwable[1];
        failed.thenCompose(CompletableFuture::completedFuture).whenComplete((v, t) -> seen[0] = t);
        assertThat(seen[0]).isInstanceOf(CompletionException.class);
        assertThat(Failures.typeOf(seen[0])).isEqualTo("java.sql.SQLTransientConnectionException");
    }

    @Test
    void nestedWrappersAreUnwrappedToTheFirstRealFailure() {
        Throwable nested = new CompletionException(new ExecutionException(new IllegalStateException("x")));
        assertThat(Failures.typeOf(nested)).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void aTimedOutLookupIsNamedAsATimeout() {
        CompletableFuture<String> never = new CompletableFuture<String>().orTimeout(1, TimeUnit.MILLISECONDS);
        Throwable failure = never.thenApply(s -> s).handle((v, t) -> t).join();
        assertThat(Failures.typeOf(failure)).isEqualTo(TimeoutException.class.getName());
    }

    @Test
    void aWrapperWithoutCauseAndNullAreNamedAsTheyAre() {
        assertThat(Failures.typeOf(new CompletionException("no cause", null))).isEqualTo(CompletionException.class.getName());
        assertThat(Failures.typeOf(null)).isEqualTo("null");
        assertThat(Failures.typeOf(new IllegalArgumentException())).isEqualTo("java.lang.IllegalArgumentException");
    }
}
