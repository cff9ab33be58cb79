package io.github.mailproxy.examples.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.github.mailproxy.Logfmt;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.SessionInfo;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin listener's requests. Every path but the page ({@code GET /}, a static file that holds
 * no data) needs {@code Authorization: Bearer TOKEN} when a token is set, and gets 401 otherwise; the
 * token is compared in constant time and never logged. Unknown paths get 404, a known path with another
 * method 405, a malformed kick 400; every error is a small JSON object, never an exception's text.
 */
final class AdminHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.admin");

    /** What a kicked IMAP client reads in its {@code * BYE}. */
    static final String KICK_REASON = "Kicked by the administrator";

    private static final String JSON = "application/json; charset=utf-8";
    /** The page's scripts and styles are inline; it fetches from its own origin only. */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private final ProxyServer server;
    private final byte[] tokenDigest;
    private final PrometheusMeterRegistry registry;
    private final LoginHistory history;
    private final ObjectMapper json = new ObjectMapper();
    private final byte[] page;

    AdminHandler(ProxyServer server, String token, PrometheusMeterRegistry registry, LoginHistory history) {
        this.server = server;
        this.tokenDigest = token == null ? null : sha256(token);
        this.registry = registry;
        this.history = history;
        this.page = readPage();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            route(exchange, exchange.getRequestURI().getRawPath(), exchange.getRequestMethod());
        } catch (RuntimeException e) {
            LOG.warn("admin request failed path={}", Logfmt.value(exchange.getRequestURI().getRawPath()), e);
            if (exchange.getResponseCode() == -1) {
                error(exchange, 500, "internal error");
            }
        } finally {
            exchange.close();  // also reads away a request body left unread (the JDK's drain limit applies)
        }
    }

    private void route(HttpExchange exchange, String path, String method) throws IOException {
        if (path.equals("/")) {
            if (allowed(exchange, method, "GET")) {
                exchange.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
                exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
                send(exchange, 200, "text/html; charset=utf-8", page);
            }
            return;
        }
        boolean known = switch (path) {
            case "/metrics", "/sessions", "/stats", "/health/live", "/health/ready", "/kick" -> true;
            default -> false;
        };
        if (!known) {
            error(exchange, 404, "not found");
        } else if (!authorized(exchange)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"mailproxy admin\"");
            error(exchange, 401, "unauthorized");
        } else if (path.equals("/kick")) {
            if (allowed(exchange, method, "POST")) {
                kick(exchange);
            }
        } else if (allowed(exchange, method, "GET")) {
            switch (path) {
                case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape().getBytes(StandardCharsets.UTF_8));
                case "/sessions" -> sendJson(exchange, 200, sessions());
                case "/stats" -> sendJson(exchange, 200, stats());
                case "/health/live" -> health(exchange, server.failure().isEmpty(), "live", "failed");
                default -> health(exchange, !server.isShuttingDown() && server.failure().isEmpty(), "ready",
                        "shutting down");
            }
        }
    }

    private boolean allowed(HttpExchange exchange, String method, String expected) throws IOException {
        if (method.equals(expected)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", expected);
        error(exchange, 405, "method not allowed; use " + expected);
        return false;
    }

    private boolean authorized(HttpExchange exchange) {
        if (tokenDigest == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // digests of equal length: the comparison's time tells nothing of the token, not even its length
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()));
    }

    private void kick(HttpExchange exchange) throws IOException {
        Map<String, String> query;
        try {
            query = query(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            error(exchange, 400, "malformed query");
            return;
        }
        if (query.size() != 1 || query.values().iterator().next().isEmpty()) {
            error(exchange, 400, "expected one of user=NAME, backend=HOST, session=ID");
            return;
        }
        Map.Entry<String, String> what = query.entrySet().iterator().next();
        int kicked;
        switch (what.getKey()) {
            case "user" -> kicked = server.kickUser(what.getValue(), KICK_REASON);
            case "backend" -> kicked = server.kickBackend(what.getValue(), KICK_REASON);
            case "session" -> kicked = server.kickSession(what.getValue(), KICK_REASON) ? 1 : 0;
            default -> {
                error(exchange, 400, "expected one of user=NAME, backend=HOST, session=ID");
                return;
            }
        }
        LOG.info("admin kick {}={} kicked={}", what.getKey(), Logfmt.value(what.getValue()), kicked);
        ObjectNode body = json.createObjectNode().put("kicked", kicked);
        sendJson(exchange, 200, body);
    }

    private ArrayNode sessions() {
        ArrayNode list = json.createArrayNode();
        for (SessionInfo s : server.sessions()) {
            ObjectNode o = list.addObject();
            o.put("id", s.id());
            o.put("protocol", s.protocol());
            o.put("user", s.user());
            o.put("client", s.clientAddress() == null ? null : ListenAddress.format(s.clientAddress()));
            o.put("backend", s.backendHost());
            o.put("backend_address", s.backendAddress() == null ? null : ListenAddress.format(s.backendAddress()));
            o.put("state", s.state().name().toLowerCase(Locale.ROOT));
            o.put("started", s.started().toString());
            o.put("bytes_in", s.bytesFromClient());
            o.put("bytes_out", s.bytesToClient());
        }
        return list;
    }

    private ObjectNode stats() {
        LoginHistory.Snapshot snapshot = history.snapshot();
        ObjectNode o = json.createObjectNode();
        o.put("interval_seconds", snapshot.intervalSeconds());
        ArrayNode logins = o.putArray("logins");
        ArrayNode failures = o.putArray("failures");
        for (int i = 0; i < snapshot.logins().length; i++) {
            logins.add(snapshot.logins()[i]);
            failures.add(snapshot.failures()[i]);
        }
        return o;
    }

    private void health(HttpExchange exchange, boolean good, String goodText, String badText) throws IOException {
        sendJson(exchange, good ? 200 : 503, json.createObjectNode().put("status", good ? goodText : badText));
    }

    private void error(HttpExchange exchange, int code, String message) throws IOException {
        sendJson(exchange, code, json.createObjectNode().put("error", message));
    }

    private void sendJson(HttpExchange exchange, int code, Object body) throws IOException {
        send(exchange, code, JSON, json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    /** @return the parameters of a query; a repeated one is malformed */
    static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (params.put(name, value) != null) {
                throw new IllegalArgumentException("repeated parameter");
            }
        }
        return params;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    private static byte[] readPage() {
        try (InputStream in = AdminHandler.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html missing from the launcher's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
