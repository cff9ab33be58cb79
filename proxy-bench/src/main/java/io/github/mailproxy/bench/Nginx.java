package io.github.mailproxy.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * A private nginx mail proxy: its own prefix, configuration, pid and error log, started in the
 * foreground; its {@code auth_http} endpoint is a tiny HTTP server in this JVM that sends every user
 * to the backend. That endpoint's CPU is not counted as nginx's (it stands for whatever a site runs).
 */
final class Nginx extends Proxy {

    private static final Path MAIL_MODULE = Path.of("/usr/lib/nginx/modules/ngx_mail_module.so");

    private final HttpServer auth;

    private Nginx(int imapPort, int pop3Port, HttpServer auth) {
        super("nginx", imapPort, pop3Port);
        this.auth = auth;
    }

    static Nginx start(Path dir, int imapPort, int pop3Port, int backendImap, int backendPop3) throws IOException {
        return start(dir, imapPort, pop3Port, backendImap, backendPop3, null);
    }

    /**
     * @param tls the certificate and key for implicit TLS (IMAPS, POP3S) on both ports, or null for plaintext
     */
    static Nginx start(Path dir, int imapPort, int pop3Port, int backendImap, int backendPop3, Certs tls)
            throws IOException {
        HttpServer auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        auth.createContext("/auth", exchange -> {
            String protocol = exchange.getRequestHeaders().getFirst("Auth-Protocol");
            int port = "pop3".equalsIgnoreCase(protocol) ? backendPop3 : backendImap;
            exchange.getResponseHeaders().add("Auth-Status", "OK");
            exchange.getResponseHeaders().add("Auth-Server", "127.0.0.1");
            exchange.getResponseHeaders().add("Auth-Port", Integer.toString(port));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        auth.setExecutor(Executors.newFixedThreadPool(2));
        auth.start();
        Files.createDirectories(dir.resolve("logs"));
        String conf = "load_module " + MAIL_MODULE + ";\n"
                + "worker_processes 2;\n"
                + "worker_rlimit_nofile 20000;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " error;\n"
                + "events {\n  worker_connections 20000;\n}\n"
                + "mail {\n"
                + "  server_name localhost;\n"
                + "  auth_http 127.0.0.1:" + auth.getAddress().getPort() + "/auth;\n"
                // the 4k default halves large transfers
                + "  proxy_buffer 64k;\n"
                + (tls == null ? "" : "  ssl_certificate " + tls.cert() + ";\n  ssl_certificate_key " + tls.key() + ";\n")
                + "  server {\n    listen 127.0.0.1:" + imapPort + (tls == null ? "" : " ssl") + ";\n    protocol imap;\n  }\n"
                + "  server {\n    listen 127.0.0.1:" + pop3Port + (tls == null ? "" : " ssl") + ";\n    protocol pop3;\n  }\n"
                + "}\n";
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Nginx n = new Nginx(imapPort, pop3Port, auth);
        n.start(List.of("nginx", "-p", dir + "/", "-e", dir.resolve("error.log").toString(),
                "-c", file.toString(), "-g", "daemon off;"), dir.resolve("stdout.log"));
        return n;
    }

    /** Master and workers. */
    @Override
    List<Long> costPids() {
        return ProcStats.tree(process.pid(), comm -> true);
    }

    @Override
    public void close() {
        super.close();
        auth.stop(0);
        ((java.util.concurrent.ExecutorService) auth.getExecutor()).shutdownNow();
    }
}
