package io.github.mailproxy;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Decides, from a login attempt and what the {@link PassDb} said, whether and how a session is
 * proxied. Runs on an event loop: an implementation that must do expensive work (hashing) does it
 * elsewhere and completes the stage from there. A stage completed exceptionally counts as a
 * temporary failure.
 *
 * <p>A custom strategy routes a found user with {@link DovecotRouting}, the same rules the built-in
 * strategies use, and only adds its own checks; see there for an example.
 *
 * <pre>{@code
 * ProxyServer.builder().authStrategy(AuthStrategy.passwordForwarding())
 * }</pre>
 */
public interface AuthStrategy {

    /**
     * The SASL mechanisms this strategy can serve, upper case. Protocol modules advertise these
     * (less the plaintext ones where plaintext authentication is not allowed).
     *
     * @return mechanism names such as {@code PLAIN} and {@code LOGIN}
     */
    Set<String> mechanisms();

    /**
     * The schemes stored passwords are checked with; protocol modules use it for mechanisms that
     * verify the client themselves (CRAM-MD5, SCRAM).
     *
     * @return by default Dovecot's schemes with default scheme PLAIN
     */
    default PasswordScheme passwordScheme() {
        return PasswordScheme.dovecot();
    }

    /**
     * Decides one login.
     *
     * @param request the login attempt
     * @param result  what the PassDb said about the user
     * @return the decision
     */
    CompletionStage<AuthDecision> decide(AuthRequest request, PassDbResult result);

    /**
     * Dovecot's "password forwarding": the client's plaintext password goes to the backend, which
     * checks it. A PassDb result with {@code nopassword}, or without a password (the seed's
     * {@code NULL AS password}), lets any password through to the backend; a result that carries a
     * password has it checked first. {@code host} with {@code proxy} proxies; {@code host} without
     * {@code proxy} refers the client there (RFC 2221).
     *
     * @return the strategy; serves PLAIN and LOGIN
     */
    static AuthStrategy passwordForwarding() {
        return PasswordForwarding.INSTANCE;
    }

    /**
     * Dovecot's "master password" way: the proxy checks the client's credentials against the
     * PassDb's {@code password} field (in any of Dovecot's schemes, see {@link PasswordScheme}), then
     * logs in to the backend as {@code destuser} with the master user's credentials — from the PassDb's
     * {@code master} and {@code pass} fields, else from {@code login} — either as
     * {@code destuser*master} (LOGIN) or as SASL PLAIN with an authorization id, as {@code login}'s
     * style or the PassDb field {@value MasterLogin#STYLE_FIELD} says. Clients may use any mechanism in
     * {@link MasterLogin#mechanisms()}.
     *
     * <pre>{@code
     * AuthStrategy.masterUser(MasterLogin.of("proxy", "secret").mechanisms("PLAIN", "LOGIN", "CRAM-MD5"))
     * }</pre>
     *
     * @param login master credentials, style and mechanisms
     * @return the strategy
     */
    static AuthStrategy masterUser(MasterLogin login) {
        return new MasterUserStrategy(java.util.Objects.requireNonNull(login, "login"));
    }
}
