package io.github.mailproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches everything the test JVM writes to {@code System.out} and {@code System.err} for the
 * passwords in {@link TestSecrets}. Both streams are replaced by tees: every byte still goes on to
 * the stream that was there before (surefire's, which writes the report files), and every complete
 * line is checked on its way through.
 *
 * <p>Why this sees every log line: slf4j-simple, the tests' logger, looks up {@code System.err}
 * anew for each line (its {@code cacheOutputStream} is off by default), and so does
 * {@link Throwable#printStackTrace()}; the tees are installed before the first test class runs and
 * put back at the start of every class should anything have replaced them. A line is checked
 * whichever thread writes it, when it is written; findings wait until {@link LogSecretsExtension}
 * or {@link LogSecretsListener} reports them.
 *
 * <p>A finding never holds the password itself, only which one it was and the line with it masked,
 * so that the report is not a leak of its own.
 */
public final class LogSecrets {

    private static final List<String> FINDINGS = new ArrayList<>();
    private static final boolean FUZZING = fuzzing();
    private static PrintStream originalOut;
    private static PrintStream originalErr;
    private static PrintStream teeOut;
    private static PrintStream teeErr;

    private LogSecrets() {
    }

    /** Installs the tees, or installs them again if something replaced them. Idempotent. */
    public static synchronized void install() {
        if (System.out != teeOut) {
            originalOut = System.out;
            teeOut = new PrintStream(new LineChecker(originalOut), true, StandardCharsets.UTF_8);
            System.setOut(teeOut);
        }
        if (System.err != teeErr) {
            originalErr = System.err;
            teeErr = new PrintStream(new LineChecker(originalErr), true, StandardCharsets.UTF_8);
            System.setErr(teeErr);
        }
    }

    /** @return the stream {@code System.err} was before the tee, for reports that must not be checked */
    static synchronized PrintStream originalErr() {
        return originalErr != null ? originalErr : System.err;
    }

    /**
     * Returns and forgets the findings so far: one entry per log line that held a test password.
     *
     * @return descriptions with the password masked, in the order the lines were written
     */
    public static List<String> drain() {
        flushTees();
        synchronized (FINDINGS) {
            List<String> found = new ArrayList<>(FINDINGS);
            FINDINGS.clear();
            return found;
        }
    }

    /**
     * @return whether Jazzer is fuzzing ({@code JAZZER_FUZZ} set). Findings are then not reported:
     *         the logged text is the fuzzer's own invention, and Jazzer's comparison hooks learn the
     *         test passwords from this very check and write them into its inputs. Regression runs of
     *         the committed corpus are checked as usual.
     */
    static boolean fuzzing() {
        String fuzz = System.getenv("JAZZER_FUZZ");
        return fuzz != null && !fuzz.isEmpty();
    }

    /**
     * @param found findings from {@link #drain()}
     * @return the failure message, listing at most the first twenty
     */
    static String report(List<String> found) {
        int shown = Math.min(found.size(), 20);
        return "A test password was logged (" + found.size() + " line(s)); passwords must never reach a log:\n  "
                + String.join("\n  ", found.subList(0, shown))
                + (found.size() > shown ? "\n  ... and " + (found.size() - shown) + " more" : "");
    }

    /** Checks a partial line still held in a tee, as the last line of a run may lack its end. */
    private static void flushTees() {
        PrintStream out;
        PrintStream err;
        synchronized (LogSecrets.class) {
            out = teeOut;
            err = teeErr;
        }
        if (out != null) {
            out.flush();
        }
        if (err != null) {
            err.flush();
        }
    }

    static void check(String line) {
        if (FUZZING) {
            return;  // not even compared: see fuzzing()
        }
        List<String> secrets = TestSecrets.all();
        for (int i = 0; i < secrets.size(); i++) {
            String secret = secrets.get(i);
            if (line.contains(secret)) {
                String masked = line;
                for (String s : secrets) {
                    masked = masked.replace(s, "***");
                }
                synchronized (FINDINGS) {
                    FINDINGS.add("test password #" + i + " (" + secret.length() + " chars) in: " + masked);
                }
            }
        }
    }

    /** Passes bytes on unchanged and checks each complete line as UTF-8. */
    private static final class LineChecker extends OutputStream {
        private final OutputStream next;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineChecker(OutputStream next) {
            this.next = next;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            next.write(b);
            collect(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
            next.write(b, off, len);
            for (int i = off; i < off + len; i++) {
                collect(b[i]);
            }
        }

        private void collect(int b) {
            if (b == '\n') {
                endLine();
            } else {
                line.write(b);
            }
        }

        private void endLine() {
            if (line.size() > 0) {
                check(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
        }

        @Override
        public synchronized void flush() throws java.io.IOException {
            next.flush();
            // a line without its end yet is checked now too; its rest is checked again later
            if (!FUZZING && line.size() > 0) {
                String partial = line.toString(StandardCharsets.UTF_8);
                if (TestSecrets.all().stream().anyMatch(partial::contains)) {
                    check(partial);
                    line.reset();
                }
            }
        }
    }
}
