package io.github.mailproxy.spi;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one SASL exchange, for IMAP and POP3 alike: PLAIN (RFC 4616), LOGIN, CRAM-MD5
 * (RFC 2195) and SCRAM-SHA-1/SCRAM-SHA-256 (RFC 5802, RFC 7677). It takes the client's responses as
 * the base64 lines they came in and returns what to do next as a {@link SaslStep}; the protocol keeps
 * only the framing. PLAIN and LOGIN end in {@link SaslStep.Credentials}; CRAM-MD5 and SCRAM, which
 * the proxy verifies against the PassDb's stored secret, look the user up themselves and end in
 * {@link SaslStep.Authorize}, so their steps may complete later (on the session's event loop).
 *
 * <pre>{@code
 * SaslServer sasl = SaslServer.start(session, host, "PLAIN");
 * sasl.begin(initialResponse).thenAccept(step -> ...);   // then sasl.respond(line) per client line
 * }</pre>
 *
 * <p>Called on the session's event loop only; {@link LoginFlow} runs it.
 */
public final class SaslServer {

    private static final Logger LOG = LoggerFactory.getLogger(SaslServer.class);

    /** The mechanisms this class runs. */
    public static final Set<String> MECHANISMS = Set.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");

    private enum Phase { FIRST, SECOND, SCRAM_ACK, DONE }

    private final ClientSession session;
    private final LoginFlow.Host host;
    private final String mechanism;
    private final Scram scram;
    private Phase phase = Phase.FIRST;
    private byte[] loginUser;
    private String cramChallenge;
    private AuthRequest request;
    private PassDbResult result;

    private SaslServer(ClientSession session, LoginFlow.Host host, String mechanism) {
        this.session = session;
        this.host = host;
        this.mechanism = mechanism;
        this.scram = Scram.forMechanism(mechanism).orElse(null);
    }

    /**
     * @param session   the client's session: its user, auth requests and password scheme
     * @param host      the PassDb lookup and the off-loop work, for verified mechanisms
     * @param mechanism one of {@link #MECHANISMS}, upper case
     * @return a new exchange
     * @throws IllegalArgumentException for another mechanism
     */
    public static SaslServer start(ClientSession session, LoginFlow.Host host, String mechanism) {
        if (!MECHANISMS.contains(mechanism)) {
            throw new IllegalArgumentException("mechanism: not one of " + MECHANISMS + ": " + mechanism);
        }
        return new SaslServer(session, host, mechanism);
    }

    /**
     * @param mechanism an upper-case mechanism name
     * @return whether it carries the password itself, refused where plaintext authentication is not allowed
     */
    public static boolean plaintext(String mechanism) {
        return mechanism.equals("PLAIN") || mechanism.equals("LOGIN");
    }

    /** @return the mechanism, upper case */
    public String mechanism() {
        return mechanism;
    }

    /**
     * Begins the exchange.
     *
     * @param initialResponse the command's initial response (SASL-IR, RFC 4959; RFC 5034): base64,
     *                        {@code =} for an empty one, {@code *} to cancel; {@code null} for none
     * @return the first step
     */
    public CompletionStage<SaslStep> begin(String initialResponse) {
        if (initialResponse != null) {
            if (mechanism.equals("CRAM-MD5")) {
                // RFC 4959 section 3: the server speaks first in CRAM-MD5
                return failed(SaslStep.Reason.INITIAL_RESPONSE_NOT_ALLOWED);
            }
            return respond(initialResponse.equals("=") ? "" : initialResponse);
        }
        return switch (mechanism) {
            case "LOGIN" -> done(new SaslStep.Challenge(Sasl.LOGIN_USER_PROMPT));
            case "CRAM-MD5" -> {
                cramChallenge = CramMd5.challenge();
                yield done(new SaslStep.Challenge(base64(cramChallenge)));
            }
            default -> done(new SaslStep.Challenge(""));  // PLAIN, and SCRAM, whose client speaks first
        };
    }

    /**
     * Takes the client's next response.
     *
     * @param line the response line without its line end: base64, or {@code *} to cancel
     * @return the next step
     */
    public CompletionStage<SaslStep> respond(String line) {
        if (line.equals("*")) {
            phase = Phase.DONE;
            return done(new SaslStep.Cancelled());
        }
        Optional<byte[]> decoded = line.isEmpty() ? Optional.of(new byte[0]) : Sasl.decodeBytes(line);
        if (decoded.isEmpty()) {
            phase = Phase.DONE;
            return failed(SaslStep.Reason.MALFORMED);
        }
        byte[] bytes = decoded.get();
        if (phase == Phase.DONE) {
            return failed(SaslStep.Reason.REFUSED);
        }
        return switch (mechanism) {
            case "PLAIN" -> plain(bytes);
            case "LOGIN" -> login(bytes);
            case "CRAM-MD5" -> cram(ClientInput.text(bytes));
            default -> scram(ClientInput.text(bytes));
        };
    }

    /** RFC 4616: {@code [authzid] NUL authcid NUL passwd}. */
    private CompletionStage<SaslStep> plain(byte[] message) {
        phase = Phase.DONE;
        Optional<Sasl.PlainCredentials> plain = message.length == 0 ? Optional.empty()
                : Sasl.decodePlain(Base64.getEncoder().encodeToString(message));
        if (plain.isEmpty()) {
            return failed(SaslStep.Reason.REFUSED);
        }
        Sasl.PlainCredentials c = plain.get();
        // acting as another user is what the proxy's master login does, never what a client may ask
        String authzid = c.authorizationId();
        if (!authzid.isEmpty() && !authzid.equals(c.authenticationId())) {
            return failed(SaslStep.Reason.REFUSED);
        }
        return credentials(authzid, c.authenticationIdBytes(), c.passwordBytes());
    }

    /**
     * The LOGIN mechanism (draft-murchison-sasl-login): the user, then the password, each prompted. A
     * user name that will be refused still gets the password prompt, so that the refusal looks like
     * any other failed login.
     */
    private CompletionStage<SaslStep> login(byte[] response) {
        if (phase == Phase.FIRST) {
            loginUser = response;
            phase = Phase.SECOND;
            return done(new SaslStep.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        }
        phase = Phase.DONE;
        byte[] user = loginUser;
        loginUser = null;
        return credentials("", user, response);
    }

    /**
     * A NUL would cut the name or password short at a backend written in C, and CR or LF would end
     * the line it is forwarded in: refused here, before any PassDb lookup.
     */
    private static CompletionStage<SaslStep> credentials(String authzid, byte[] user, byte[] password) {
        if (user.length == 0 || !safe(user) || !safe(password)) {
            return failed(SaslStep.Reason.REFUSED);
        }
        return done(new SaslStep.Credentials(new Sasl.PlainCredentials(authzid, ClientInput.text(user),
                ClientInput.text(password), user, password)));
    }

    private static boolean safe(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0 || b == '\r' || b == '\n') {
                return false;
            }
        }
        return true;
    }

    /** RFC 2195: {@code user SP hex-digest}. */
    private CompletionStage<SaslStep> cram(String response) {
        phase = Phase.DONE;
        Optional<CramMd5.Response> parsed = CramMd5.parse(response);
        if (parsed.isEmpty() || cramChallenge == null) {
            return failed(SaslStep.Reason.REFUSED);
        }
        String digest = parsed.get().digest();
        return lookup(parsed.get().user()).thenApply(found -> {
            if (!found.isFound() || found.flag(PassDbResult.NOPASSWORD)) {
                // not found and temporary failures get the strategy's own answer, with its delay
                return new SaslStep.Authorize(request, found);
            }
            String stored = found.field(PassDbResult.PASSWORD).orElse("");
            PasswordScheme.Verdict verdict = stored.isEmpty() ? PasswordScheme.Verdict.MISMATCH
                    : session.passwordScheme().verifyCramMd5(stored, cramChallenge, digest);
            return verdict(verdict);
        });
    }

    private CompletionStage<SaslStep> scram(String response) {
        return switch (phase) {
            case FIRST -> scramClientFirst(response);
            case SECOND -> scramClientFinal(response);
            default -> {
                phase = Phase.DONE;
                // RFC 5802 section 5: after the server-final-message the client has nothing more to say
                yield response.isEmpty() ? done(new SaslStep.Authorize(request.verified(), result))
                        : failed(SaslStep.Reason.REFUSED);
            }
        };
    }

    /** RFC 5802 section 5.1: the client-first-message names the user; the server-first-message answers it. */
    private CompletionStage<SaslStep> scramClientFirst(String response) {
        boolean parsed = scram.clientFirst(response);
        // acting as another user is what the proxy's master login does, never what a client may ask
        String authzid = parsed ? scram.authorizationId() : null;
        if (!parsed || authzid != null && !authzid.isEmpty() && !authzid.equals(scram.user())) {
            phase = Phase.DONE;
            return failed(SaslStep.Reason.REFUSED);
        }
        phase = Phase.SECOND;
        return lookup(scram.user()).thenApply(found -> {
            if (found.status() == PassDbResult.Status.TEMPORARY_FAILURE) {
                phase = Phase.DONE;
                return new SaslStep.Authorize(request, found);
            }
            // an unknown user gets a server-first-message as well, so that the exchange does not tell
            return new SaslStep.Challenge(base64(scram.serverFirst()));
        });
    }

    private CompletionStage<SaslStep> scramClientFinal(String response) {
        phase = Phase.DONE;
        if (!result.isFound()) {
            return done(new SaslStep.Authorize(request, result));
        }
        Optional<String> password = result.field(PassDbResult.PASSWORD).flatMap(session.passwordScheme()::plaintext);
        if (password.isEmpty()) {
            LOG.info("session={} mechanism={} msg=\"needs a plaintext stored password; login refused\"",
                    session.id(), mechanism);
            return failed(SaslStep.Reason.REFUSED);
        }
        String secret = password.get();
        return host.offload(() -> scram.clientFinal(response, secret)).handle((outcome, failure) -> {
            if (failure != null || outcome == null) {
                LOG.warn("session={} mechanism={} msg=\"verification failed\" error={}", session.id(), mechanism,
                        failure == null ? "no-outcome" : failure.getClass().getName());
                return new SaslStep.Failed(SaslStep.Reason.UNAVAILABLE);
            }
            if (!outcome.valid()) {
                return new SaslStep.Failed(SaslStep.Reason.REFUSED);
            }
            phase = Phase.SCRAM_ACK;
            return new SaslStep.Challenge(base64(outcome.serverFinal()));
        });
    }

    private SaslStep verdict(PasswordScheme.Verdict verdict) {
        return switch (verdict) {
            case MATCH -> new SaslStep.Authorize(request.verified(), result);
            case MISMATCH -> new SaslStep.Failed(SaslStep.Reason.REFUSED);
            case UNSUPPORTED_MECHANISM -> {
                LOG.info("session={} mechanism={} msg=\"the stored password cannot serve it; login refused\"",
                        session.id(), mechanism);
                yield new SaslStep.Failed(SaslStep.Reason.REFUSED);
            }
            case UNKNOWN_SCHEME, MALFORMED -> new SaslStep.Failed(SaslStep.Reason.UNAVAILABLE);
        };
    }

    /** Looks the user up; a failed lookup counts as a temporary failure of the PassDb. */
    private CompletionStage<PassDbResult> lookup(String user) {
        session.user(user);
        request = session.authRequest(user, null, mechanism);
        return host.lookup(request).handle((found, failure) -> {
            result = failure == null && found != null ? found : PassDbResult.temporaryFailure("passdb lookup failed");
            return result;
        });
    }

    private static CompletionStage<SaslStep> done(SaslStep step) {
        return CompletableFuture.completedFuture(step);
    }

    private static CompletionStage<SaslStep> failed(SaslStep.Reason reason) {
        return done(new SaslStep.Failed(reason));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "SaslServer[" + mechanism + ", " + phase + "]";
    }
}
