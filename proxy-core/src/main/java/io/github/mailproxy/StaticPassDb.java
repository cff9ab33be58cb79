package io.github.mailproxy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A PassDb that gives every user the same fields, written as Dovecot's static passdb arguments:
 * space-separated {@code key=value} pairs, a bare {@code key} meaning present without value.
 *
 * <pre>{@code
 * PassDb all = StaticPassDb.parse("proxy=y host=127.0.0.1 port=10143 nopassword=y");
 * }</pre>
 */
public final class StaticPassDb implements PassDb {

    private final PassDbResult result;

    private StaticPassDb(Map<String, String> fields) {
        this.result = PassDbResult.found(fields);
    }

    /**
     * Parses Dovecot static args.
     *
     * @param args for example {@code proxy=y host=127.0.0.1 port=10143 nopassword=y}
     * @return the PassDb
     * @throws IllegalArgumentException if a pair has an empty key; the message gives the pair's position,
     *         not its text, since the value may be a password ({@code pass=...})
     */
    public static StaticPassDb parse(String args) {
        Map<String, String> fields = new LinkedHashMap<>();
        int position = 0;
        for (String pair : args.trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            position++;
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.isEmpty()) {
                throw new IllegalArgumentException("passdb.static: field " + position
                        + " has an empty name (its value is not shown: it may be a secret)");
            }
            fields.put(key, eq < 0 ? "" : pair.substring(eq + 1));
        }
        return new StaticPassDb(fields);
    }

    /**
     * @param fields the fields every user gets
     * @return the PassDb
     */
    public static StaticPassDb of(Map<String, String> fields) {
        return new StaticPassDb(fields);
    }

    /** @return the fields every user gets (case-insensitive keys, unmodifiable) */
    public Map<String, String> fields() {
        return Collections.unmodifiableMap(result.fields());
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return CompletableFuture.completedFuture(result);
    }

    /** @return true: the answer is fixed and given at once */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public String toString() {
        return "StaticPassDb" + result.toString().substring("PassDbResult".length());
    }
}
