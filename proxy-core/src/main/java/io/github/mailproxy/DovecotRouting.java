package io.github.mailproxy;

import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.internal.Text;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dovecot's proxy field rules: how the fields of a {@link PassDbResult} ({@code proxy}, {@code proxy_maybe},
 * {@code host}, {@code hostip}, {@code port}, {@code destuser}, {@code nologin}, {@code reason}, {@code ssl},
 * {@code starttls}, {@code proxy_timeout}, {@code proxy_not_trusted}) become an {@link AuthDecision}. The
 * built-in strategies ({@link AuthStrategy#passwordForwarding()}, {@link AuthStrategy#masterUser(MasterLogin)})
 * route through these methods and nothing else, so a custom {@link AuthStrategy} that calls them routes
 * exactly as they do, and only decides who may log in and with which backend credentials.
 *
 * <p>A strategy calls {@link #refusal} first (an unknown user or a PassDb failure ends there), then does
 * its own checks, then {@link #route}:
 *
 * <pre>{@code
 * // password forwarding, but only for clients in one network
 * AuthStrategy officeOnly = new AuthStrategy() {
 *     public Set<String> mechanisms() {
 *         return Set.of("PLAIN", "LOGIN");
 *     }
 *
 *     public CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result) {
 *         Optional<AuthDecision> refused = DovecotRouting.refusal(request, result);
 *         if (refused.isPresent()) {
 *             return CompletableFuture.completedFuture(refused.get());
 *         }
 *         if (!request.clientAddress().getAddress().getHostAddress().startsWith("10.")) {
 *             return CompletableFuture.completedFuture(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
 *         }
 *         return CompletableFuture.completedFuture(
 *                 DovecotRouting.route(request, result, DovecotRouting.forwardedCredentials(request, result)));
 *     }
 * };
 * }</pre>
 *
 * <p>The rules, for a found user:
 * <ul>
 *   <li>{@code proxy} (or {@code proxy_maybe}) with a host: proxy to {@code hostip} when present, else to
 *       {@code host} (several hosts separated by spaces or commas are tried in order), on {@code port}
 *       (absent: the protocol's default), as {@code destuser} (absent or empty: the client's user name).
 *       {@code ssl=yes} uses TLS to the backend, {@code starttls=yes} STARTTLS/STLS; the value
 *       {@code any-cert} of either skips the certificate check. {@code proxy_timeout} (seconds) bounds
 *       connecting and logging in. {@code proxy_not_trusted} keeps the client's address from the backend
 *       (no IMAP {@code ID}, no POP3 {@code XCLIENT}).</li>
 *   <li>{@code proxy_maybe} routes as {@code proxy} here; the server then makes the decision
 *       {@link AuthDecision.Local}, as Dovecot serves such users itself, when the host is one of its own
 *       addresses (see {@link ProxyServer.Builder#proxySelf(String...)}), for every strategy alike.</li>
 *   <li>{@code proxy} without a host, a {@code port} that is not a number from 0 to 65535: a temporary
 *       failure, logged (the PassDb is misconfigured; the client is told to retry later).</li>
 *   <li>A host without {@code proxy}: a login referral to it (IMAP, RFC 2221), with {@code reason}.</li>
 *   <li>{@code nologin} without a host: rejected as {@link AuthDecision.Failure#LOGIN_DISABLED}, with
 *       {@code reason}.</li>
 *   <li>None of these: {@link AuthDecision.Local}.</li>
 * </ul>
 * Booleans read as {@link PassDbResult#flag(String)} reads them (Dovecot's {@code Y}, {@code yes}, {@code 1},
 * {@code true}, present without value).
 *
 * <p>Where this differs from Dovecot: {@code hostip} replaces {@code host} outright (Dovecot keeps
 * {@code host} as the name for the certificate check); {@code proxy_timeout} is whole seconds only.
 */
public final class DovecotRouting {

    private static final Logger LOG = LoggerFactory.getLogger(DovecotRouting.class);

    private DovecotRouting() {
    }

    /**
     * The decision for a result that is not a found user: an unknown user is rejected as
     * {@link Failure#AUTH_FAILED}, a PassDb failure as {@link Failure#TEMPORARY} (its reason is logged,
     * never shown to the client).
     *
     * @param request the login
     * @param result  the PassDb's answer
     * @return the rejection, or empty when the user was found and the strategy goes on
     * @throws NullPointerException if an argument is {@code null}
     */
    public static Optional<AuthDecision> refusal(AuthRequest request, PassDbResult result) {
        Objects.requireNonNull(request, "request");
        switch (Objects.requireNonNull(result, "result").status()) {
            case NOT_FOUND:
                return Optional.of(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
            case TEMPORARY_FAILURE:
                LOG.warn("session={} msg=\"passdb temporary failure\" reason={}", request.sessionId(),
                        Text.logValue(result.failureReason()));
                return Optional.of(new AuthDecision.Reject(Failure.TEMPORARY, null));
            default:
                return Optional.empty();
        }
    }

    /**
     * Routes a found user by the rules above. Call it once the strategy has accepted the client's
     * credentials.
     *
     * @param request     the login, already authenticated as far as the strategy is concerned
     * @param result      the found user
     * @param credentials makes the backend credentials from the backend user name ({@code destuser}, or the
     *                    client's user name); called only when the decision is to proxy, and may return
     *                    {@code null} to refuse with a temporary failure (say, no master password known)
     * @return proxy, referral, reject or local
     * @throws NullPointerException     if an argument is {@code null}
     * @throws IllegalArgumentException if the result is not a found user (see {@link #refusal})
     */
    public static AuthDecision route(AuthRequest request, PassDbResult result,
                                     Function<String, BackendCredentials> credentials) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(credentials, "credentials");
        if (!Objects.requireNonNull(result, "result").isFound()) {
            throw new IllegalArgumentException("result: not a found user (" + result.status() + "); call refusal first");
        }
        String host = result.field(PassDbResult.HOSTIP).filter(h -> !h.isBlank())
                .or(() -> result.field(PassDbResult.HOST).filter(h -> !h.isBlank()))
                .orElse(null);
        boolean proxy = result.flag(PassDbResult.PROXY) || result.flag(PassDbResult.PROXY_MAYBE);
        String destUser = result.field(PassDbResult.DESTUSER).filter(u -> !u.isEmpty()).orElse(request.user());
        String reason = result.field(PassDbResult.REASON).filter(r -> !r.isBlank()).orElse(null);
        int port;
        try {
            port = result.field(PassDbResult.PORT).filter(p -> !p.isBlank()).map(p -> Integer.parseInt(p.trim())).orElse(0);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException("out of range");
            }
        } catch (NumberFormatException e) {
            LOG.warn("session={} msg=\"passdb gave an invalid port\" reason={}", request.sessionId(), Text.logValue(e.getMessage()));
            return new AuthDecision.Reject(Failure.TEMPORARY, null);
        }
        if (proxy) {
            if (host == null) {
                LOG.warn("session={} msg=\"passdb says proxy but gives no host\"", request.sessionId());
                return new AuthDecision.Reject(Failure.TEMPORARY, null);
            }
            Duration timeout = null;
            Optional<String> t = result.field(PassDbResult.PROXY_TIMEOUT).filter(s -> !s.isBlank());
            if (t.isPresent()) {
                try {
                    timeout = Duration.ofSeconds(Long.parseLong(t.get().trim()));
                } catch (NumberFormatException e) {
                    LOG.warn("session={} msg=\"passdb gave an invalid proxy_timeout\"", request.sessionId());
                }
            }
            // Dovecot: ssl=yes / starttls=yes, or =any-cert to skip certificate checks
            String ssl = result.field(PassDbResult.SSL).orElse(null);
            String starttls = result.field(PassDbResult.STARTTLS).orElse(null);
            boolean anyCert = "any-cert".equalsIgnoreCase(ssl) || "any-cert".equalsIgnoreCase(starttls);
            TlsMode tls = enabled(ssl) ? TlsMode.IMPLICIT : enabled(starttls) ? TlsMode.STARTTLS : TlsMode.PLAIN;
            List<String> hosts = Arrays.stream(host.trim().split("[\\s,]+")).filter(h -> !h.isEmpty()).toList();
            BackendCredentials login = credentials.apply(destUser);
            if (login == null) {
                return new AuthDecision.Reject(Failure.TEMPORARY, null);
            }
            boolean forwardClient = !result.flag(PassDbResult.PROXY_NOT_TRUSTED);
            return new AuthDecision.Proxy(new BackendTarget(hosts, port, tls, timeout, anyCert, forwardClient), login);
        }
        if (host != null) {
            return new AuthDecision.Referral(host, port, destUser, reason);
        }
        if (result.flag(PassDbResult.NOLOGIN)) {
            return new AuthDecision.Reject(Failure.LOGIN_DISABLED, reason);
        }
        return new AuthDecision.Local(request.user());
    }

    /**
     * The backend credentials of password forwarding, for {@link #route}: the client's own password, sent
     * as exactly the bytes the client sent, and the client's user name likewise, unless the PassDb renamed
     * the user with {@code destuser} (then the new name, in UTF-8). A {@code pass} field without a
     * {@code master} field replaces the password (then sent in UTF-8), as Dovecot's proxy sends {@code pass}
     * to the backend instead of the client's password; an nginx auth server's {@code Auth-Pass} arrives so.
     *
     * @param request the login; must carry a plaintext password ({@link AuthRequest#hasPlaintextPassword()})
     * @param result  the found user
     * @return the function {@link #route} calls with the backend user name
     * @throws NullPointerException     if an argument is {@code null}
     * @throws IllegalArgumentException if the request has no plaintext password to forward
     */
    public static Function<String, BackendCredentials> forwardedCredentials(AuthRequest request, PassDbResult result) {
        Objects.requireNonNull(result, "result");
        if (!Objects.requireNonNull(request, "request").hasPlaintextPassword()) {
            throw new IllegalArgumentException("request: mechanism " + request.mechanism()
                    + " gives no plaintext password to forward");
        }
        boolean renamed = result.field(PassDbResult.DESTUSER).filter(u -> !u.isEmpty()).isPresent();
        String pass = result.field(PassDbResult.MASTER).isPresent() ? null : result.field(PassDbResult.PASS).orElse(null);
        return destUser -> BackendCredentials.forwarding(destUser,
                renamed ? destUser.getBytes(StandardCharsets.UTF_8) : request.userBytes(),
                pass == null ? request.password() : pass,
                pass == null ? request.passwordBytes() : pass.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean enabled(String value) {
        return value != null && (value.equalsIgnoreCase("any-cert") || PassDbResult.isTrue(value));
    }
}
