package io.github.mailproxy.passdb.http;

import io.github.mailproxy.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private nginx mail proxy (Debian's nginx with {@code libnginx-mod-mail}) on loopback ports, with its own
 * prefix, configuration, pid file and error log in a temporary directory; never the system service.
 */
final class PrivateNginx implements AutoCloseable {

    static final Path MAIL_MODULE = Path.of("/usr/lib/nginx/modules/ngx_mail_module.so");

    private final Process process;
    private final Path dir;
    private final int imapPort;
    private final int pop3Port;

    private PrivateNginx(Process process, Path dir, int imapPort, int pop3Port) {
        this.process = process;
        this.dir = dir;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
    }

    /**
     * Starts nginx with a {@code mail {}} block asking {@code authUrl}, and waits until both ports accept.
     *
     * @param dir         an empty directory for its files
     * @param authUrl     the auth server ({@code auth_http})
     * @param extraHeader one {@code auth_http_header} line's name and value, or null
     */
    static PrivateNginx start(Path dir, URI authUrl, String[] extraHeader) throws IOException {
        int imap = freePort();
        int pop3 = freePort();
        String conf = "load_module " + MAIL_MODULE + ";\n"
                + "worker_processes 1;\n"
                + "events {\n  worker_connections 64;\n}\n"
                + "mail {\n"
                + "  server_name localhost;\n"
                + "  auth_http " + authUrl.getHost() + ":" + authUrl.getPort() + authUrl.getPath() + ";\n"
                + (extraHeader == null ? "" : "  auth_http_header " + extraHeader[0] + " \"" + extraHeader[1] + "\";\n")
                + "  server {\n    listen 127.0.0.1:" + imap + ";\n    protocol imap;\n  }\n"
                + "  server {\n    listen 127.0.0.1:" + pop3 + ";\n    protocol pop3;\n    pop3_auth plain;\n  }\n"
                + "}\n";
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Path log = dir.resolve("nginx.log");
        Process p = new ProcessBuilder("nginx", "-p", dir + "/", "-e", "stderr", "-c", file.toString(),
                "-g", "daemon off; pid " + dir.resolve("nginx.pid") + "; error_log stderr info;")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrivateNginx nginx = new PrivateNginx(p, dir, imap, pop3);
        try {
            Await.until(() -> "nginx accepting on " + imap + " and " + pop3 + "; its log: " + nginx.log(),
                    Duration.ofSeconds(20), () -> !p.isAlive() || accepts(imap) && accepts(pop3));
            if (!p.isAlive()) {
                throw new IOException("nginx exited with " + p.exitValue() + ": " + nginx.log());
            }
        } catch (IOException | RuntimeException | Error e) {
            nginx.close();
            throw e;
        }
        return nginx;
    }

    int imapPort() {
        return imapPort;
    }

    int pop3Port() {
        return pop3Port;
    }

    /** @return what nginx logged so far */
    String log() {
        try {
            return Files.readString(dir.resolve("nginx.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
