package io.github.mailproxy;

import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.internal.Text;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dovecot's proxy field rules: how the fields of a {@link PassDbResult} ({@code proxy}, {@code proxy_maybe},
 * {@code host}, {@code hostip}, {@code port}, {@code destuser}, {@code nologin}, {@code reason}, {@code ssl},
 * {@code starttls}, {@code proxy_timeout}, {@code proxy_not_trusted}, {@code source_ip}, and mailproxy's
 * {@code haproxy}) become an {@link AuthDecision}. The
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
 *   <li>{@code proxy} (or {@code proxy_maybe}) with a host: proxy to {@code host} (several hosts separated
 *       by spaces or commas are tried in order), on {@code port} (absent: the protocol's default), as
 *       {@code destuser} (absent or empty: the client's user name). {@code hostip} is the address to
 *       connect to instead of resolving {@code host}, which stays the name the backend's TLS certificate
 *       is verified against and logs name; several addresses in {@code hostip} are tried in order, each
 *       verified against the one {@code host}, or against the {@code host} at the same place when both
 *       list as many (other counts: a temporary failure, logged). {@code hostip} must hold IP addresses.
 *       {@code ssl=yes} uses TLS to the backend, {@code starttls=yes} STARTTLS/STLS; the value
 *       {@code any-cert} of either skips the certificate check. {@code proxy_timeout} (seconds) bounds
 *       connecting and logging in. {@code proxy_not_trusted} keeps the client's address from the backend
 *       (no IMAP {@code ID}, no POP3 {@code XCLIENT}). {@code source_ip} is the local address the
 *       connection to the backend comes from (an IP address of this host). {@code haproxy=yes} starts the
 *       backend connection with a PROXY protocol v2 header instead of {@code ID}/{@code XCLIENT},
 *       {@code haproxy=no} never does; absent, the server's {@code backendHaproxy} decides. (Dovecot has
 *       no such field: its login proxy forwards the address with {@code ID}/{@code XCLIENT} only.)</li>
 *   <li>{@code proxy_maybe} routes as {@code proxy} here; the server then makes the decision
 *       {@link AuthDecision.Local}, as Dovecot serves such users itself, when the host is one of its own
 *       addresses (see {@link ProxyServer.Builder#proxySelf(String...)}), for every strategy alike.</li>
 *   <li>{@code proxy} without a host, a {@code port} that is not a number from 0 to 65535: a temporary
 *       failure, logged (the PassDb is misconfigured; the client is told to retry later).</li>
 *   <li>A host without {@code proxy}: a login referral to it (IMAP, RFC 2221), with {@code reason};
 *       {@code host} names it, {@code hostip} only when there is no {@code host}.</li>
 *   <li>{@code nologin} without a host: rejected as {@link AuthDecision.Failure#LOGIN_DISABLED}, with
 *       {@code reason}.</li>
 *   <li>None of these: {@link AuthDecision.Local}.</li>
 * </ul>
 * Booleans read as {@link PassDbResult#flag(String)} reads them (Dovecot's {@code Y}, {@code yes}, {@code 1},
 * {@code true}, present without value).
 *
 * <p>Where this differs from Dovecot: {@code host} and {@code hostip} may list several hosts, tried in
 * order; {@code proxy_timeout} is whole seconds only; {@code haproxy} is mailproxy's own.
 */
public final class DovecotRouting {

    private static final Logger LOG = LoggerFactory.getLogger(DovecotRouting.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

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
        List<String> names = hostList(result, PassDbResult.HOST);
        List<String> addresses = hostList(result, PassDbResult.HOSTIP);
        // connect to hostip when given; host is then the name for TLS and logs
        List<String> hosts = addresses.isEmpty() ? names : addresses;
        String host = hosts.isEmpty() ? null : String.join(" ", hosts);
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
            Optional<List<String>> tlsNames = tlsNames(request, names, addresses);
            Optional<InetAddress> source = sourceAddress(request, result);
            if (tlsNames.isEmpty() || source == null) {
                return new AuthDecision.Reject(Failure.TEMPORARY, null);
            }
            BackendCredentials login = credentials.apply(destUser);
            if (login == null) {
                return new AuthDecision.Reject(Failure.TEMPORARY, null);
            }
            boolean forwardClient = !result.flag(PassDbResult.PROXY_NOT_TRUSTED);
            Boolean haproxy = result.field(PassDbResult.HAPROXY).isPresent() ? result.flag(PassDbResult.HAPROXY) : null;
            return new AuthDecision.Proxy(new BackendTarget(hosts, port, tls, timeout, anyCert, forwardClient,
                    tlsNames.get(), source.orElse(null), haproxy), login);
        }
        if (host != null) {
            return new AuthDecision.Referral(String.join(" ", names.isEmpty() ? addresses : names), port, destUser,
                    reason);
        }
        if (result.flag(PassDbResult.NOLOGIN)) {
            return new AuthDecision.Reject(Failure.LOGIN_DISABLED, reason);
        }
        return new AuthDecision.Local(request.user());
    }

    /** The hosts of a field, separated by spaces or commas; empty when absent or blank. */
    private static List<String> hostList(PassDbResult result, String field) {
        return result.field(field).map(h -> Arrays.stream(h.trim().split("[\\s,]+")).filter(x -> !x.isEmpty()).toList())
                .orElse(List.of());
    }

    /**
     * The names to verify the certificates of {@code hostip}'s addresses against: none without
     * {@code hostip} or {@code host}, the one host for every address, or host by host.
     *
     * @return the names, or empty when they cannot be matched (logged)
     */
    private static Optional<List<String>> tlsNames(AuthRequest request, List<String> names, List<String> addresses) {
        if (!addresses.stream().allMatch(a -> isIpLiteral(a) && literal(a) != null)) {
            LOG.warn("session={} msg=\"passdb gave a hostip that is not an IP address\" hostip={}", request.sessionId(),
                    Text.logValue(String.join(",", addresses)));
            return Optional.empty();
        }
        if (addresses.isEmpty() || names.isEmpty()) {
            return Optional.of(List.of());
        }
        if (names.size() == addresses.size()) {
            return Optional.of(names);
        }
        if (names.size() == 1) {
            return Optional.of(java.util.Collections.nCopies(addresses.size(), names.get(0)));
        }
        LOG.warn("session={} msg=\"passdb gave host and hostip lists of different lengths\" host={} hostip={}",
                request.sessionId(), Text.logValue(String.join(",", names)), Text.logValue(String.join(",", addresses)));
        return Optional.empty();
    }

    /**
     * @return the {@code source_ip} address, empty without one, or {@code null} when it is not an IP
     *         address (logged)
     */
    private static Optional<InetAddress> sourceAddress(AuthRequest request, PassDbResult result) {
        Optional<String> field = result.field(PassDbResult.SOURCE_IP).map(String::trim).filter(s -> !s.isEmpty());
        if (field.isEmpty()) {
            return Optional.empty();
        }
        InetAddress address = isIpLiteral(field.get()) ? literal(field.get()) : null;
        if (address == null) {
            LOG.warn("session={} msg=\"passdb gave a source_ip that is not an IP address\" source_ip={}",
                    request.sessionId(), Text.logValue(field.get()));
            return null;
        }
        return Optional.of(address);
    }

    private static boolean isIpLiteral(String s) {
        return IPV4.matcher(s).matches() || (s.indexOf(':') >= 0 && s.chars().allMatch(
                c -> c == ':' || c == '.' || c == '[' || c == ']' || Character.digit(c, 16) >= 0));
    }

    /** @return the address of an IP literal (bracketed or not), never looked up; {@code null} if invalid */
    private static InetAddress literal(String s) {
        String bare = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        try {
            // an IPv4 pattern or a bracketed IPv6 literal: parsed, never resolved
            return InetAddress.getByName(bare.indexOf(':') >= 0 ? "[" + bare + "]" : bare);
        } catch (UnknownHostException e) {
            return null;
        }
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
