package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: out of file descriptors, the launcher used to retry accept in a busy loop, logging a
 * WARN line each time (144 % CPU, 900k lines in 10 s). Run in a child JVM under {@code ulimit -n}.
 */
@EnabledOnOs(OS.LINUX)
class LauncherFdExhaustionTest {

    private static final int FD_LIMIT = 256;
    private static final Pattern LISTENING = Pattern.compile("imap listening on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void outOfDescriptorsTheLauncherBacksOffLogsLittleAndRecovers(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("mailproxy.properties");
        Files.writeString(config, """
                imap.listen = 127.0.0.1:0
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=9 nopassword=y
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("bash", "-c", "ulimit -n " + FD_LIMIT + " && exec \"$0\" -cp \"$1\" "
                + Launcher.class.getName() + " --config \"$2\"", java, System.getProperty("java.class.path"),
                config.toString()).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the child ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        List<Socket> extra = new ArrayList<>();
        try {
            Await.until(() -> "the launcher to listen; output: " + output, Duration.ofSeconds(30),
                    () -> port(output) > 0);
            int port = port(output);
            // The child runs from class directories, where loading a class opens a file: one whole
            // session first, so that no class a session needs is loaded for the first time without
            // descriptors (mailproxy.jar keeps its one jar open and has no such problem).
            try (Socket warmUp = new Socket("127.0.0.1", port)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(warmUp.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("* OK");
                warmUp.getOutputStream().write("a CAPABILITY\r\nb NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("* CAPABILITY");
            }
            Await.until(() -> "the warm-up session to end; output: " + output, Duration.ofSeconds(10),
                    () -> count(output, "outcome=") > 0);

            for (int i = 0; i < 4 * FD_LIMIT && count(output, "accept failed") == 0; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                extra.add(s);
            }
            Await.until(() -> "accept to fail; output: " + output, Duration.ofSeconds(30),
                    () -> count(output, "accept failed") > 0);
            assertThat(output.stream().filter(l -> l.contains("accept failed")).findFirst().orElseThrow())
                    .contains("cause=\"Too many open files\"").contains("count=").contains("backoff=");

            // a measurement window: the pending connections keep the listener readable all along
            long linesBefore = count(output, "accept failed");
            long cpuBefore = cpuNanos(child);
            TimeUnit.SECONDS.sleep(3);
            long lines = count(output, "accept failed") - linesBefore;
            long cpu = cpuNanos(child) - cpuBefore;
            assertThat(lines).as("accept-failure lines in 3 s (one a second per loop at most)").isLessThanOrEqualTo(12);
            assertThat(cpu).as("CPU time in 3 s, nanoseconds").isLessThan(TimeUnit.MILLISECONDS.toNanos(1500));
            assertThat(child.isAlive()).isTrue();

            for (Socket s : extra) {
                s.close();
            }
            extra.clear();
            Await.until(() -> "a new client to be greeted; output: " + output, Duration.ofSeconds(30),
                    () -> greeted(port));
        } finally {
            for (Socket s : extra) {
                s.close();
            }
            child.destroy();
            child.waitFor(20, TimeUnit.SECONDS);
            child.destroyForcibly();
        }
    }

    private static int port(List<String> output) {
        for (String line : output) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    private static long count(List<String> output, String text) {
        return output.stream().filter(l -> l.contains(text)).count();
    }

    private static long cpuNanos(Process p) {
        return p.toHandle().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static boolean greeted(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(2000);
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return line != null && line.startsWith("* OK");
        } catch (IOException e) {
            return false;
        }
    }
}
