package io.github.mailproxy.internal;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.TlsMode;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the routing fields of a found user ({@code proxy}, {@code host}, {@code port}, {@code destuser},
 * {@code nologin}, ...) into a decision, the same way for every auth strategy.
 */
public final class Routing {

    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);
    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private Routing() {
    }

    /**
     * The decision for a result that is no found user: not found or a temporary failure.
     *
     * @param request the login
     * @param result  the PassDb's answer
     * @return the rejection, or empty when the user was found
     */
    public static java.util.Optional<AuthDecision> unusable(AuthRequest request, PassDbResult result) {
        switch (result.status()) {
            case NOT_FOUND:
                return java.util.Optional.of(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
            case TEMPORARY_FAILURE:
                LOG.warn("session={} msg=\"passdb temporary failure\" reason={}", request.sessionId(), Text.logValue(result.failureReason()));
                return java.util.Optional.of(new AuthDecision.Reject(Failure.TEMPORARY, null));
            default:
                return java.util.Optional.empty();
        }
    }

    /**
     * @param request     the login, already authenticated as far as the strategy is concerned
     * @param result      the found user
     * @param credentials makes the backend credentials from the backend user name ({@code destuser})
     * @return proxy, referral, reject or local
     */
    public static AuthDecision route(AuthRequest request, PassDbResult result,
                                     java.util.function.Function<String, BackendCredentials> credentials) {
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
            var t = result.field(PassDbResult.PROXY_TIMEOUT).filter(s -> !s.isBlank());
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
            if (!result.flag(PassDbResult.PROXY) && isThisServer(hosts, port, request.localAddress())) {
                LOG.info("proxy_maybe: user is local, no local handler session={} host={}",
                        request.sessionId(), Text.printable(host.trim()));
                return new AuthDecision.Local(request.user());
            }
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
     * Dovecot's {@code proxy_maybe} test: the host is the address the client connected to, and the port
     * is unset or the one it connected to. Only address literals are compared (no lookups here); a
     * host name that leads back to this proxy is caught when connecting, as a proxy loop.
     */
    private static boolean isThisServer(List<String> hosts, int port, java.net.InetSocketAddress local) {
        if (local == null || local.getAddress() == null || (port != 0 && port != local.getPort())) {
            return false;
        }
        for (String h : hosts) {
            String literal = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            String text;
            if (IPV4.matcher(literal).matches()) {
                text = literal;
            } else if (literal.indexOf(':') >= 0) {
                text = "[" + literal + "]";  // bracketed, an invalid IPv6 literal is an error, never a lookup
            } else {
                continue;
            }
            try {
                if (java.net.InetAddress.getByName(text).equals(local.getAddress())) {
                    return true;
                }
            } catch (java.net.UnknownHostException e) {
                // not an address after all: cannot be this server
            }
        }
        return false;
    }

    private static boolean enabled(String value) {
        return value != null && (value.equalsIgnoreCase("any-cert") || PassDbResult.isTrue(value));
    }
}
