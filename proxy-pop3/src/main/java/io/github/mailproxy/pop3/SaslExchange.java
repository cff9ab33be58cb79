package io.github.mailproxy.pop3;

import io.github.mailproxy.spi.ClientInput;
import io.github.mailproxy.spi.Sasl;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The server side of one SASL PLAIN (RFC 4616) or LOGIN exchange, as POP3 AUTH runs it
 * (RFC 5034): initial response or not, then challenges until the credentials are complete.
 * Knows nothing of lines or channels.
 */
final class SaslExchange {

    /** What to do after a client's response. */
    sealed interface Step {
    }

    /**
     * Send {@code + base64} and wait for the next response.
     *
     * @param base64 the challenge
     */
    record Challenge(String base64) implements Step {
    }

    /**
     * The credentials are complete.
     *
     * @param user          the authentication identity, decoded as {@link ClientInput#text}
     * @param password      the password, decoded the same way
     * @param userBytes     the identity's bytes as the client sent them
     * @param passwordBytes the password's bytes as the client sent them
     */
    record Credentials(String user, String password, byte[] userBytes, byte[] passwordBytes) implements Step {
        Credentials(String user, String password) {
            this(user, password, user.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
        }

        public Credentials {
            userBytes = userBytes.clone();
            passwordBytes = passwordBytes.clone();
        }

        @Override
        public byte[] userBytes() {
            return userBytes.clone();
        }

        @Override
        public byte[] passwordBytes() {
            return passwordBytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Credentials c && user.equals(c.user) && password.equals(c.password)
                    && Arrays.equals(userBytes, c.userBytes) && MessageDigest.isEqual(passwordBytes, c.passwordBytes);
        }

        @Override
        public int hashCode() {
            return user.hashCode();
        }

        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    /**
     * The exchange failed.
     *
     * @param message the reply text after {@code -ERR }
     */
    record Failed(String message) implements Step {
    }

    static final String PLAIN = "PLAIN";
    static final String LOGIN = "LOGIN";

    private static final Failed INVALID = new Failed("Invalid SASL response.");
    // In password forwarding there is nobody to authorize a different identity (master login is a later issue).
    private static final Failed AUTHZ_REFUSED = new Failed("[AUTH] Authentication failed.");

    private final String mechanism;
    private byte[] loginUser;

    private SaslExchange(String mechanism) {
        this.mechanism = mechanism;
    }

    /**
     * @param mechanism {@link #PLAIN} or {@link #LOGIN}
     * @return a new exchange
     * @throws IllegalArgumentException for another mechanism
     */
    static SaslExchange start(String mechanism) {
        if (!mechanism.equals(PLAIN) && !mechanism.equals(LOGIN)) {
            throw new IllegalArgumentException("mechanism: not PLAIN or LOGIN: " + mechanism);
        }
        return new SaslExchange(mechanism);
    }

    /** @return the mechanism, upper case */
    String mechanism() {
        return mechanism;
    }

    /**
     * Begins the exchange.
     *
     * @param initialResponse the AUTH command's initial response ({@code ""} for {@code =}), or {@code null}
     * @return the first step
     */
    Step begin(String initialResponse) {
        if (initialResponse == null) {
            return mechanism.equals(PLAIN) ? new Challenge("") : new Challenge(Sasl.LOGIN_USER_PROMPT);
        }
        return respond(initialResponse);
    }

    /**
     * Takes the client's next response.
     *
     * @param base64 the response line
     * @return the next step
     */
    Step respond(String base64) {
        Objects.requireNonNull(base64, "base64");
        if (mechanism.equals(PLAIN)) {
            return plain(base64);
        }
        Optional<byte[]> bytes = Sasl.decodeBytes(base64).filter(SaslExchange::isSafe);
        if (bytes.isEmpty()) {
            return INVALID;
        }
        if (loginUser == null) {
            if (bytes.get().length == 0) {
                return INVALID;
            }
            loginUser = bytes.get();
            return new Challenge(Sasl.LOGIN_PASSWORD_PROMPT);
        }
        return new Credentials(ClientInput.text(loginUser), ClientInput.text(bytes.get()), loginUser, bytes.get());
    }

    private static Step plain(String base64) {
        Optional<Sasl.PlainCredentials> decoded = Sasl.decodePlain(base64);
        if (decoded.isEmpty()) {
            return INVALID;
        }
        Sasl.PlainCredentials c = decoded.get();
        if (!isSafe(c.authenticationIdBytes()) || !isSafe(c.passwordBytes()) || c.authenticationId().isEmpty()) {
            return INVALID;
        }
        if (!c.authorizationId().isEmpty() && !c.authorizationId().equals(c.authenticationId())) {
            return AUTHZ_REFUSED;
        }
        return new Credentials(c.authenticationId(), c.password(), c.authenticationIdBytes(), c.passwordBytes());
    }

    /**
     * CR or LF in a user name or password would end the line it is forwarded in; a NUL would cut it
     * short at a backend written in C. Refused before any PassDb lookup.
     */
    private static boolean isSafe(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\r' || b == '\n' || b == 0) {
                return false;
            }
        }
        return true;
    }
}
