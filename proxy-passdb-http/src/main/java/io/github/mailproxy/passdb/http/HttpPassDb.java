package io.github.mailproxy.passdb.http;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A PassDb that asks an nginx mail proxy's auth server ({@code auth_http}), speaking nginx's protocol as
 * {@code ngx_mail_auth_http_module} does, so that an operator moving from nginx points mailproxy at the same
 * server and changes nothing there:
 *
 * <pre>{@code
 * HttpPassDb passDb = HttpPassDb.builder(URI.create("http://127.0.0.1:9000/auth"))
 *     .header("X-Auth-Key", "secret")                // nginx: auth_http_header X-Auth-Key "secret";
 *     .timeout(Duration.ofSeconds(10))               // nginx: auth_http_timeout
 *     .build();
 * ProxyServer.builder().passDb(passDb).authStrategy(AuthStrategy.passwordForwarding())...
 * }</pre>
 *
 * <p><b>The request</b> is a {@code GET} of the URL with nginx's headers: {@code Auth-Method} ({@code plain} for
 * every plaintext login), {@code Auth-User} and {@code Auth-Pass} (escaped as nginx escapes them: space, {@code %}
 * and control bytes as {@code %XX}, and here bytes from 0x7F up too), {@code Auth-Protocol} ({@code imap}, {@code pop3}), {@code Auth-Login-Attempt}
 * (1 for a session's first login, then 2, ...), {@code Client-IP}, then the configured headers.
 *
 * <p><b>The answer</b> is read as nginx reads it. {@code Auth-Status: OK} with {@code Auth-Server} (an IP
 * address) and {@code Auth-Port}: the auth server has checked the password, so the result is {@code proxy},
 * {@code host}, {@code port}, {@code nopassword}, with {@code destuser} from {@code Auth-User} and {@code pass} from
 * {@code Auth-Pass} when the server rewrites them; {@link io.github.mailproxy.AuthStrategy#passwordForwarding()}
 * then logs in to that backend with the client's password, or with {@code pass}. Any other {@code Auth-Status} is a
 * refused login: a wrong one by default ({@code [AUTHENTICATIONFAILED]}, {@code -ERR [AUTH]}), a temporary failure
 * or a disabled login when {@code Auth-Error-Code} says so; {@code Auth-Wait: N} holds the refusal back N seconds
 * (the proxy's own failure delay follows). {@code Auth-Status: WAIT} asks again after {@code Auth-Wait} seconds.
 * An HTTP status other than 2xx, a missing or bad header, a refused connection or a timeout is a temporary
 * failure ({@code NO [UNAVAILABLE]}, {@code -ERR [SYS/TEMP]}), logged with its reason, never the password.
 *
 * <p><b>Threads.</b> Lookups use {@link HttpClient#sendAsync}: {@link #nonBlocking()} is true and the proxy calls
 * the PassDb on its event loops. The client keeps connections to the auth server alive between lookups (nginx opens
 * one per login). HTTPS needs only an {@code https:} URL; {@link Builder#sslContext(SSLContext)} sets the trust.
 *
 * <p><b>Cache.</b> The answer depends on the password and the client's address, so the auth cache keys on both
 * ({@link #cacheKey()}).
 */
public final class HttpPassDb implements PassDb {

    /** The headers the PassDb sends itself, and those the JDK client refuses. */
    private static final Set<String> RESERVED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "auth-method", "auth-user", "auth-pass", "auth-protocol", "auth-login-attempt", "client-ip");
    private static final int MAX_WAITS = 10;

    private final URI url;
    private final String server;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final HttpClient client;
    private final LoginAttempts attempts = new LoginAttempts(100_000);

    private HttpPassDb(Builder b) {
        this.url = b.url;
        this.server = b.url.getHost() + (b.url.getPort() < 0 ? "" : ":" + b.url.getPort());
        this.headers = Map.copyOf(b.headers);
        this.timeout = b.timeout;
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER);
        if (b.sslContext != null) {
            client.sslContext(b.sslContext);
        }
        this.client = client.build();
    }

    /**
     * @param url the auth server's URL, as nginx's {@code auth_http}: {@code http://} or {@code https://}
     * @return a builder
     * @throws NullPointerException     if {@code url} is null
     * @throws IllegalArgumentException if it is not an absolute http or https URL with a host
     */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        int attempt = attempts.next(request.sessionId());
        HttpRequest.Builder http = HttpRequest.newBuilder(url).GET().timeout(timeout);
        AuthHttpRequest.headers(request, attempt).forEach(http::header);
        headers.forEach(http::header);
        return ask(http.build(), request, 0);
    }

    private CompletionStage<PassDbResult> ask(HttpRequest http, AuthRequest request, int waits) {
        return client.sendAsync(http, HttpResponse.BodyHandlers.discarding())
                .thenApply(response -> AuthHttpAnswer.read(response.statusCode(), response.headers(), request, server))
                .exceptionally(failure -> new AuthHttpAnswer(PassDbResult.temporaryFailure(
                        "auth server " + server + " " + why(failure)), Duration.ZERO))
                .thenCompose(answer -> {
                    if (answer.retry()) {
                        if (waits >= MAX_WAITS) {
                            return CompletableFuture.completedFuture(PassDbResult.temporaryFailure(
                                    "auth server " + server + " said WAIT " + MAX_WAITS + " times"));
                        }
                        return later(answer.delay()).thenCompose(x -> ask(http, request, waits + 1));
                    }
                    return answer.delay().isZero() ? CompletableFuture.completedFuture(answer.result())
                            : later(answer.delay()).thenApply(x -> answer.result());
                });
    }

    /** Completes after the delay, on the JDK's delayed executor: no thread of the proxy's waits. */
    private static CompletableFuture<Void> later(Duration delay) {
        Executor after = CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS);
        return CompletableFuture.runAsync(() -> { }, after);
    }

    /** The failure's kind, never its text: an exception's message may carry a header's value. */
    private static String why(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof HttpConnectTimeoutException) {
            return "connect timed out";
        }
        if (cause instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (cause instanceof java.net.ConnectException) {
            return "refused the connection";
        }
        return "failed: " + cause.getClass().getName();
    }

    /** @return true: lookups hand the request to the HTTP client and return at once */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    /** @return user, protocol, client address and password: the auth server's answer depends on all of them */
    @Override
    public Set<CacheKeyPart> cacheKey() {
        return EnumSet.of(CacheKeyPart.USER, CacheKeyPart.PROTOCOL, CacheKeyPart.CLIENT_ADDRESS, CacheKeyPart.PASSWORD);
    }

    /** Names the URL without its query (which may carry a key) and the extra headers' names only. */
    @Override
    public String toString() {
        return "HttpPassDb[" + url.getScheme() + "://" + server + url.getRawPath() + ", headers=" + headers.keySet() + "]";
    }

    /** Settings of an {@link HttpPassDb}; each may be set once. */
    public static final class Builder {

        /** Default of {@link #timeout(Duration)}: 10 s. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
        /** Default of {@link #connectTimeout(Duration)}: 5 s. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

        private final URI url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration timeout;
        private Duration connectTimeout;
        private SSLContext sslContext;

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw new IllegalArgumentException("url: expected http://host[:port]/path or https://..., got '"
                        + url.getScheme() + "://" + url.getHost() + "...'");
            }
            this.url = url;
        }

        /**
         * An extra request header, as nginx's {@code auth_http_header}; sent after nginx's own.
         *
         * @param name  a header name, not one of nginx's ({@code Auth-User} ...) nor one the HTTP client sets
         * @param value its value (may be a secret: never logged)
         * @return this
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the name is reserved, not an HTTP token, given twice, or the value
         *                                  holds a control character
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new IllegalArgumentException("header: not a header name (letters, digits and !#$%&'*+.^_`|~-)");
            }
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header: " + name + " is sent by the PassDb itself");
            }
            if (headers.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
                throw new IllegalStateException("header: " + name + " is already set");
            }
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f || c > 0xff)) {
                throw new IllegalArgumentException("header: the value of " + name + " holds a control character");
            }
            headers.put(name, value);
            return this;
        }

        /**
         * @param timeout how long one request may take, from sending it to its answer's headers
         *                (nginx's {@code auth_http_timeout}); default {@link #DEFAULT_TIMEOUT}
         * @return this
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive("timeout", timeout, this.timeout);
            return this;
        }

        /**
         * @param connectTimeout how long connecting to the auth server may take; default
         *                       {@link #DEFAULT_CONNECT_TIMEOUT}
         * @return this
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout, this.connectTimeout);
            return this;
        }

        /**
         * @param sslContext the TLS settings for an {@code https} URL (the trusted certificates); default the JDK's
         * @return this
         */
        public Builder sslContext(SSLContext sslContext) {
            Objects.requireNonNull(sslContext, "sslContext");
            if (this.sslContext != null) {
                throw new IllegalStateException("sslContext: already set");
            }
            this.sslContext = sslContext;
            return this;
        }

        /** @return the PassDb */
        public HttpPassDb build() {
            if (timeout == null) {
                timeout = DEFAULT_TIMEOUT;
            }
            if (connectTimeout == null) {
                connectTimeout = DEFAULT_CONNECT_TIMEOUT;
            }
            return new HttpPassDb(this);
        }

        private static Duration positive(String name, Duration value, Duration current) {
            Objects.requireNonNull(value, name);
            if (current != null) {
                throw new IllegalStateException(name + ": already set");
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": must be positive, got " + value);
            }
            return value;
        }
    }
}
