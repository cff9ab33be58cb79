package io.github.mailproxy.scheme;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs Dovecot's own {@code doveadm pw -s SCHEME -p PASSWORD}, so that tests check our schemes against
 * what Dovecot writes. Fails (never skips) when doveadm is not installed: CI installs dovecot-core.
 */
public final class Doveadm {

    private Doveadm() {
    }

    /**
     * @param scheme   a Dovecot scheme name, e.g. {@code SHA512-CRYPT} or {@code SHA256.HEX}
     * @param password any password; passed byte for byte whatever the JVM's argument encoding
     * @return what doveadm printed, e.g. {@code {SHA512-CRYPT}$6$...}
     */
    public static String pw(String scheme, String password) {
        // The password goes through printf's octal escapes so that its UTF-8 bytes reach doveadm
        // intact even when the JVM would encode arguments in ASCII (LANG=C on a CI machine).
        StringBuilder escaped = new StringBuilder();
        for (byte b : password.getBytes(StandardCharsets.UTF_8)) {
            escaped.append(String.format("\\%03o", b & 0xff));
        }
        String script = "command -v doveadm >/dev/null || { echo 'doveadm not found: install dovecot-core' >&2; exit 127; }\n"
                + "exec doveadm pw -s \"$1\" -p \"$(printf \"$2\")\"";
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script, "doveadm-pw", scheme, escaped.toString());
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/bin:/usr/sbin:/sbin");
        try {
            Process process = pb.start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("doveadm pw -s " + scheme + " did not finish in 60 s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("doveadm pw -s " + scheme + " failed with exit code " + process.exitValue()
                        + ": " + err.join().strip());
            }
            String line = out.strip();
            if (line.isEmpty() || line.contains("\n")) {
                throw new AssertionError("doveadm pw -s " + scheme + " printed an unexpected answer: " + line);
            }
            return line;
        } catch (IOException e) {
            throw new AssertionError("cannot run doveadm (install dovecot-core): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
