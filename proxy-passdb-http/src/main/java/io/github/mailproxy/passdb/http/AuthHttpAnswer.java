package io.github.mailproxy.passdb.http;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An auth server's answer, read as nginx's {@code ngx_mail_auth_http_process_headers} reads it, and what it
 * means for the proxy.
 *
 * <ul>
 *   <li>{@code Auth-Status: OK} with {@code Auth-Server} (an IP address, as nginx requires) and {@code Auth-Port}:
 *       found, {@code proxy}, {@code host}, {@code port} and {@code nopassword} (the auth server has checked the
 *       password); {@code Auth-User} becomes {@code destuser} and {@code Auth-Pass} {@code pass} (the password for
 *       the backend) when they differ from what the client gave. OK without a server or port, or with a bad
 *       one: a temporary failure (nginx: "internal server error").</li>
 *   <li>{@code Auth-Status: WAIT}: ask again after {@code Auth-Wait} seconds.</li>
 *   <li>Any other {@code Auth-Status} is the refusal's text. {@code Auth-Error-Code} chooses its kind (nginx
 *       uses it for SMTP only): an IMAP or POP3 code meaning "later" ({@code UNAVAILABLE}, {@code SYS/TEMP}, ...)
 *       or an SMTP {@code 4xx} is a temporary failure; one meaning "not here" ({@code CONTACTADMIN},
 *       {@code EXPIRED}, {@code SYS/PERM}, ...) refuses with the text ({@code nologin}, {@code reason}); anything
 *       else, or none, is a wrong login ({@link PassDbResult#notFound()}). {@code Auth-Wait} holds the answer
 *       back that many seconds.</li>
 *   <li>No {@code Auth-Status}, or an HTTP status that is not 2xx: a temporary failure.</li>
 * </ul>
 *
 * @param result the answer for the proxy, or {@code null} to ask again
 * @param delay  how long to hold the answer back (or to wait before asking again)
 */
record AuthHttpAnswer(PassDbResult result, Duration delay) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");
    private static final Set<String> LATER = Set.of("UNAVAILABLE", "SERVERBUG", "INUSE", "LIMIT", "SYS/TEMP", "IN-USE",
            "LOGIN-DELAY");
    private static final Set<String> NOT_HERE = Set.of("CONTACTADMIN", "EXPIRED", "PRIVACYREQUIRED", "NOPERM",
            "SYS/PERM");

    /** @return whether the auth server said WAIT: ask again after {@link #delay()} */
    boolean retry() {
        return result == null;
    }

    /**
     * @param status  the HTTP status code
     * @param headers the answer's headers
     * @param request the login asked about
     * @param server  the auth server, for failure reasons (never a password)
     * @return what the answer means
     */
    static AuthHttpAnswer read(int status, HttpHeaders headers, AuthRequest request, String server) {
        if (status < 200 || status > 299) {
            return now(PassDbResult.temporaryFailure("auth server " + server + " answered HTTP " + status));
        }
        Optional<String> authStatus = headers.firstValue("Auth-Status");
        if (authStatus.isEmpty()) {
            return now(PassDbResult.temporaryFailure("auth server " + server + " sent no Auth-Status"));
        }
        Duration wait = wait(headers);
        String said = authStatus.get();
        if (said.equals("WAIT")) {
            return new AuthHttpAnswer(null, wait);
        }
        if (!said.equals("OK")) {
            return new AuthHttpAnswer(refusal(AuthHttpRequest.text(said), headers.firstValue("Auth-Error-Code"), server),
                    wait);
        }
        String host = headers.firstValue("Auth-Server").map(String::trim).orElse("");
        String port = headers.firstValue("Auth-Port").map(String::trim).orElse("");
        if (host.isEmpty() || port.isEmpty()) {
            return now(PassDbResult.temporaryFailure("auth server " + server + " did not send Auth-Server or Auth-Port"));
        }
        if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            return now(PassDbResult.temporaryFailure("auth server " + server + " sent an Auth-Server that is not an IP address"));
        }
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return now(PassDbResult.temporaryFailure("auth server " + server + " sent an invalid Auth-Port"));
        }
        Map<String, String> fields = new HashMap<>();
        fields.put(PassDbResult.PROXY, "y");
        fields.put(PassDbResult.NOPASSWORD, "y");
        fields.put(PassDbResult.HOST, host);
        fields.put(PassDbResult.PORT, port);
        headers.firstValue("Auth-User").map(AuthHttpRequest::text).filter(u -> !u.isEmpty() && !u.equals(request.user()))
                .ifPresent(u -> fields.put(PassDbResult.DESTUSER, u));
        headers.firstValue("Auth-Pass").map(AuthHttpRequest::text).filter(p -> !p.equals(request.password()))
                .ifPresent(p -> fields.put(PassDbResult.PASS, p));
        return now(PassDbResult.found(fields));
    }

    private static PassDbResult refusal(String text, Optional<String> errorCode, String server) {
        String code = errorCode.map(c -> c.trim().replaceAll("^\\[|]$", "").toUpperCase(Locale.ROOT)).orElse("");
        if (LATER.contains(code) || code.matches("4\\d\\d.*")) {
            return PassDbResult.temporaryFailure("auth server " + server + " refused for now: " + code);
        }
        if (NOT_HERE.contains(code)) {
            return PassDbResult.found(Map.of(PassDbResult.NOLOGIN, "y", PassDbResult.REASON, text));
        }
        return PassDbResult.notFound();
    }

    /** nginx's {@code ngx_atoi}: digits only, else no wait. */
    private static Duration wait(HttpHeaders headers) {
        String w = headers.firstValue("Auth-Wait").map(String::trim).orElse("");
        if (!w.matches("\\d{1,6}")) {
            return Duration.ZERO;
        }
        return Duration.ofSeconds(Long.parseLong(w));
    }

    private static AuthHttpAnswer now(PassDbResult result) {
        return new AuthHttpAnswer(result, Duration.ZERO);
    }
}
