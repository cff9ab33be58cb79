package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.mailproxy.testing.LeakCheck;
import io.github.mailproxy.testing.LineClient;
import io.github.mailproxy.testing.TestSecrets;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;

/**
 * The launcher with an admin listener and a token, in front of a GreenMail IMAP backend, with an HTTP
 * client for the admin endpoints and a raw IMAP client.
 */
final class AdminFixture implements AutoCloseable {

    /** The admin token of this run; registered so that no log line may hold it. */
    final String token = TestSecrets.register("admin-token-" + UUID.randomUUID());
    final GreenMail backend;
    final RunningProxy proxy;
    private final InetSocketAddress admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    AdminFixture(String... users) throws IOException {
        backend = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        backend.start();
        for (String user : users) {
            backend.setUser(user + "@example.org", user, user + "-secret");
            TestSecrets.register(user + "-secret");
        }
        Properties p = new Properties();
        p.load(new StringReader("""
                imap.listen = 127.0.0.1:0
                passdb = static
                passdb.static = proxy=y host=127.0.0.1 port=%d nopassword=y
                auth.failure-delay = 0s
                admin.listen = 127.0.0.1:0
                admin.token = %s
                """.formatted(backend.getImap().getPort(), token)));
        try {
            proxy = Launcher.start(p);
        } catch (RuntimeException e) {
            backend.stop();
            throw e;
        }
        admin = proxy.admin().orElseThrow().address();
    }

    /** @return the admin listener's address, also after it closed */
    InetSocketAddress admin() {
        return admin;
    }

    /** @return the admin listener's base URI, ending in {@code /} */
    URI base() {
        return URI.create("http://127.0.0.1:" + admin().getPort() + "/");
    }

    /**
     * @param method GET or POST
     * @param path   the path and query, without the leading {@code /}
     * @param bearer the token to send, or {@code null} for no Authorization header
     */
    HttpResponse<String> call(String method, String path, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET with the right token. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return call("GET", path, token);
    }

    /** POST with the right token. */
    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return call("POST", path, token);
    }

    /** @return a client logged in to the backend through the proxy */
    LineClient imapLogin(String user) throws IOException {
        LineClient client = LineClient.connect(null,
                new InetSocketAddress("127.0.0.1", proxy.server().port("imap")));
        try {
            assertThat(client.line()).startsWith("* OK");
            assertThat(login(client, user, user + "-secret")).startsWith("a OK");
            return client;
        } catch (IOException | RuntimeException | AssertionError e) {
            client.close();
            throw e;
        }
    }

    /** @return the tagged reply to {@code a LOGIN}, after any untagged lines */
    static String login(LineClient client, String user, String password) throws IOException {
        client.send("a LOGIN " + user + " " + password + "\r\n");
        String line;
        do {
            line = client.line();
        } while (line != null && line.startsWith("*"));
        return line;
    }

    /** @return the lines the client reads until the proxy closes the connection */
    static java.util.List<String> linesUntilEof(LineClient client) throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (String line = client.line(); line != null; line = client.line()) {
            lines.add(line);
        }
        return lines;
    }

    @Override
    public void close() {
        try {
            LeakCheck.assertNothingLeaked(proxy.server());
        } finally {
            proxy.close();
            backend.stop();
        }
    }
}
