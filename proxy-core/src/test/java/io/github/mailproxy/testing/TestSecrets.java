package io.github.mailproxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The passwords the test suite uses, which must never appear in a log line: {@link LogSecrets}
 * fails a test class whose run logged one of them.
 *
 * <p>The fixed list is what the test sources of every module use (found by grepping them for LOGIN,
 * PASS, {@code setUser}, {@code PassDbResult} password fields and AUTHENTICATE payloads). Passwords
 * of fewer than {@value #MIN_LENGTH} characters ({@code "pw"}, {@code "b"}) are left out: as
 * substrings they match ordinary log text, so they would prove nothing. A test that invents a
 * password at run time adds it with {@link #register(String)} before using it.
 *
 * <pre>{@code
 * String password = TestSecrets.register("pw-" + UUID.randomUUID());
 * }</pre>
 */
public final class TestSecrets {

    /** Shorter passwords are not checked: they occur in ordinary log text. */
    public static final int MIN_LENGTH = 5;

    private static final List<String> FIXED = List.of(
            "alicepw", "carolpw", "davepw", "bigpw",
            "pw-bob", "pw-alice", "pw-carol", "pw-flaky",
            "secret-john", "secret-joe", "erin-secret", "dora-secret", "master-secret",
            "hunter2", "s3cret", "tanstaaf", "changeit",
            "pässwört", "pass with  spaces", "secret with  spaces");

    private static final List<String> REGISTERED = new CopyOnWriteArrayList<>();

    private TestSecrets() {
    }

    /**
     * Adds a password to the ones no log line may contain, for the rest of this test JVM.
     *
     * @param password a password a test is about to use; at least {@value #MIN_LENGTH} characters
     * @return the password, for use in an assignment
     * @throws IllegalArgumentException when it is too short to be told apart from log text
     */
    public static String register(String password) {
        Objects.requireNonNull(password, "password");
        if (password.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a checked test password needs at least " + MIN_LENGTH + " characters");
        }
        if (!FIXED.contains(password) && !REGISTERED.contains(password)) {
            REGISTERED.add(password);
        }
        return password;
    }

    /** @return every password checked: the fixed list, then the registered ones */
    public static List<String> all() {
        List<String> all = new ArrayList<>(FIXED);
        all.addAll(REGISTERED);
        return all;
    }
}
