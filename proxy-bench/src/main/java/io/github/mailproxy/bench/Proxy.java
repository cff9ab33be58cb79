package io.github.mailproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server the benchmark started as a child process (or "direct", the backend itself): where to
 * connect and which processes count as its cost.
 */
abstract class Proxy implements AutoCloseable {

    final String name;
    final int imapPort;
    final int pop3Port;
    Process process;

    Proxy(String name, int imapPort, int pop3Port) {
        this.name = name;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
    }

    /** @return the processes whose CPU and memory count as this server's */
    abstract List<Long> costPids();

    InetSocketAddress imap() {
        return new InetSocketAddress("127.0.0.1", imapPort);
    }

    InetSocketAddress pop3() {
        return new InetSocketAddress("127.0.0.1", pop3Port);
    }

    /** Starts the command, logging to {@code log}, and waits until both ports accept connections. */
    void start(List<String> command, Path log) throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitPort(imapPort, log);
        awaitPort(pop3Port, log);
    }

    private void awaitPort(int port, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException(name + " did not come up on port " + port + "; see " + log);
                }
                try {
                    Thread.sleep(50); // polling a child process's port: nothing to wait on instead
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
