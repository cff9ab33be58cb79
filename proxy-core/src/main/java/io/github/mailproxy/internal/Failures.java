package io.github.mailproxy.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Names the failure behind a failed stage for a log line. A PassDb or strategy that fails reaches the
 * session wrapped in {@link CompletionException} (by {@code thenCompose} and friends) or
 * {@link ExecutionException}; logging the wrapper's type would hide whether the database refused a
 * connection or a query timed out. Only the type is logged, never the message, which may carry what
 * the PassDb was given.
 */
public final class Failures {

    /** Wrappers nested deeper than this are a loop or a bug; the one reached is named. */
    private static final int MAX_DEPTH = 16;

    private Failures() {
    }

    /**
     * @param failure a stage's failure, possibly wrapped
     * @return the first failure inside the wrappers, or the last wrapper if it has no cause; null for null
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; i < MAX_DEPTH && (t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null; i++) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * @param failure a stage's failure, possibly wrapped
     * @return the class name of the failure inside the wrappers, such as {@code java.sql.SQLTransientConnectionException}
     */
    public static String typeOf(Throwable failure) {
        Throwable t = unwrap(failure);
        return t == null ? "null" : t.getClass().getName();
    }
}
