package io.github.mailproxy.passdb.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An auth server written to nginx's documented {@code ngx_mail_auth_http_module} protocol, on the JDK's
 * HTTP server: it decodes {@code Auth-User} and {@code Auth-Pass} ({@code %XX}), checks the password, and
 * answers {@code Auth-Status: OK} with {@code Auth-Server} and {@code Auth-Port} of the user's backend for the
 * asked protocol, or a refusal. Some users behave as a broken or busy server would ({@link Behaviour}). Every
 * request's headers are kept, for tests to compare what nginx and mailproxy send.
 */
final class NginxAuthServer implements AutoCloseable {

    /** How the server answers for a user. */
    enum Behaviour {
        /** Check the password; route to the user's backend. */
        NORMAL,
        /** Refuse every password with {@code Auth-Wait: 1}. */
        WAIT_ONE_SECOND,
        /** Refuse with {@code Auth-Error-Code: UNAVAILABLE} (try later). */
        ERROR_CODE_LATER,
        /** Refuse with {@code Auth-Error-Code: CONTACTADMIN} and a text. */
        ERROR_CODE_DISABLED,
        /** Answer HTTP 500 without any Auth- header. */
        HTTP_500,
        /** Answer only once {@link #releaseSlow()} is called (a hung server). */
        HANG,
        /** {@code Auth-Status: WAIT} once, then as {@link #NORMAL}. */
        WAIT_THEN_OK
    }

    /**
     * A user of the server.
     *
     * @param password    the password the client must give
     * @param server      the backend's IP address
     * @param imapPort    its IMAP port
     * @param pop3Port    its POP3 port
     * @param backendUser a different user name for the backend ({@code Auth-User}), or null
     * @param backendPass a different password for the backend ({@code Auth-Pass}), or null
     * @param behaviour   how to answer
     */
    record User(String password, String server, int imapPort, int pop3Port, String backendUser, String backendPass,
                Behaviour behaviour) {
    }

    private final HttpServer http;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, Integer> waited = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch slow = new CountDownLatch(1);

    NginxAuthServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        http.createContext("/auth", this::answer);
        http.setExecutor(executor);
        http.start();
    }

    /** @return the URL to give nginx's {@code auth_http} and the HttpPassDb */
    URI url() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/auth");
    }

    void add(String user, User u) {
        users.put(user, u);
    }

    /** @return every request's headers so far (names in lower case, values as sent), oldest first */
    List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    /** Lets the {@link Behaviour#HANG} answers go. */
    void releaseSlow() {
        slow.countDown();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            Headers in = exchange.getRequestHeaders();
            Map<String, String> seen = new TreeMap<>();
            in.forEach((k, v) -> seen.put(k.toLowerCase(), String.join(",", v)));
            requests.add(seen);
            String name = decode(in.getFirst("Auth-User"));
            String pass = decode(in.getFirst("Auth-Pass"));
            User user = users.get(name);
            Headers out = exchange.getResponseHeaders();
            Behaviour b = user == null ? Behaviour.NORMAL : user.behaviour();
            switch (b) {
                case HTTP_500 -> {
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                case HANG -> {
                    try {
                        slow.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case WAIT_ONE_SECOND -> {
                    out.add("Auth-Status", "Invalid login or password");
                    out.add("Auth-Wait", "1");
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                case ERROR_CODE_LATER -> {
                    out.add("Auth-Status", "Directory down");
                    out.add("Auth-Error-Code", "UNAVAILABLE");
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                case ERROR_CODE_DISABLED -> {
                    out.add("Auth-Status", "Account locked, call the help desk");
                    out.add("Auth-Error-Code", "CONTACTADMIN");
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                case WAIT_THEN_OK -> {
                    if (waited.merge(name, 1, Integer::sum) == 1) {
                        out.add("Auth-Status", "WAIT");
                        out.add("Auth-Wait", "0");
                        exchange.sendResponseHeaders(200, -1);
                        return;
                    }
                }
                default -> {
                }
            }
            if (user == null || !user.password().equals(pass)) {
                out.add("Auth-Status", "Invalid login or password");
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            boolean pop3 = "pop3".equals(in.getFirst("Auth-Protocol"));
            out.add("Auth-Status", "OK");
            out.add("Auth-Server", user.server());
            out.add("Auth-Port", Integer.toString(pop3 ? user.pop3Port() : user.imapPort()));
            if (user.backendUser() != null) {
                out.add("Auth-User", user.backendUser());
            }
            if (user.backendPass() != null) {
                out.add("Auth-Pass", user.backendPass());
            }
            exchange.sendResponseHeaders(200, -1);
        }
    }

    /** nginx's docs: the user name and password are URL-escaped; the server decodes {@code %XX} to bytes, then UTF-8. */
    static String decode(String value) {
        if (value == null) {
            return null;
        }
        byte[] raw = value.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length) {
                bytes.write(Integer.parseInt(new String(raw, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                bytes.write(raw[i]);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        slow.countDown();
        http.stop(0);
        executor.shutdownNow();
    }
}
