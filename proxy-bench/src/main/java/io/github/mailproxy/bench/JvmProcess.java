package io.github.mailproxy.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A main class of this module in a JVM of its own, so that /proc shows its cost alone. */
final class JvmProcess extends Proxy {

    /** JVM options of every JVM the benchmark starts; see the README for why these. */
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-Xss256k");

    private JvmProcess(String name, int imapPort, int pop3Port) {
        super(name, imapPort, pop3Port);
    }

    static JvmProcess start(String name, Path log, int imapPort, int pop3Port, Class<?> main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        // diagnosis only, e.g. -Dbench.jvmOptions=-XX:StartFlightRecording=filename=/tmp/mp.jfr
        String extra = System.getProperty("bench.jvmOptions", "");
        if (!extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-Dorg.slf4j.simpleLogger.logFile=" + log);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        JvmProcess p = new JvmProcess(name, imapPort, pop3Port);
        p.start(cmd, log.resolveSibling(name + "-stdout.log"));
        return p;
    }

    @Override
    List<Long> costPids() {
        return List.of(process.pid());
    }
}
