package io.github.mailproxy.spi;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL mechanisms whose proof the proxy checks itself against the PassDb's stored secret, so it
 * needs the secret before it can answer: CRAM-MD5 (RFC 2195) and SCRAM-SHA-1/SCRAM-SHA-256 (RFC 5802,
 * RFC 7677), for IMAP and POP3 alike. The protocol's framing (continuations, replies, cancel) stays in
 * the protocol module; this class runs the steps and tells its {@link Host} what to do next.
 * Called on the session's event loop only; asynchronous steps come back there through
 * {@link Host#resume}.
 */
public final class VerifiedSasl {

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedSasl.class);

    /** The handler side of an exchange. */
    public interface Host {
        /** Sends a {@code +} continuation with this base64 payload and reads the client's next response. */
        void challenge(String base64);

        /** Pauses client input while the PassDb or a key derivation is busy. */
        void await();

        /** Ends the exchange with the ordinary authentication failure, after the failure delay. */
        void refuse();

        /** Ends the exchange with a temporary failure: the stored secret cannot be used. */
        void unavailable();

        /** Ends the exchange and lets the login go on with this decision of the auth service. */
        void decided(CompletionStage<AuthDecision> decision);

        /**
         * Runs a step that completes later, if this exchange is still the session's current one.
         *
         * @param exchange the exchange the step belongs to
         * @param step     the step
         */
        void resume(VerifiedSasl exchange, Runnable step);
    }

    private enum Step { CLIENT_FIRST, CLIENT_FINAL, CLIENT_ACK, DONE }

    private final ClientSession session;
    private final Host host;
    private final String mechanism;
    private final Scram scram;
    private String cramChallenge;
    private Step step = Step.CLIENT_FIRST;
    private AuthRequest request;
    private PassDbResult result;

    private VerifiedSasl(ClientSession session, Host host, String mechanism, Scram scram) {
        this.session = session;
        this.host = host;
        this.mechanism = mechanism;
        this.scram = scram;
    }

    /**
     * @param mechanism an upper-case mechanism name
     * @return whether this class runs it
     */
    public static boolean runs(String mechanism) {
        return mechanism.equals("CRAM-MD5") || Scram.forMechanism(mechanism).isPresent();
    }

    /**
     * @param session   the client session
     * @param host      the handler
     * @param mechanism {@code CRAM-MD5}, {@code SCRAM-SHA-1} or {@code SCRAM-SHA-256}
     * @return a new exchange
     */
    public static VerifiedSasl start(ClientSession session, Host host, String mechanism) {
        return new VerifiedSasl(session, host, mechanism, Scram.forMechanism(mechanism).orElse(null));
    }

    /** @return whether the server speaks first, so that an initial response is not allowed (RFC 4959 section 3) */
    public boolean serverFirst() {
        return scram == null;
    }

    /** Sends the first challenge of a server-first mechanism, or the empty one SCRAM starts with. */
    public void begin() {
        if (scram == null) {
            cramChallenge = CramMd5.challenge();
            host.challenge(base64(cramChallenge));
        } else {
            host.challenge("");
        }
    }

    /**
     * Takes the client's next (decoded) response.
     *
     * @param response the decoded response
     */
    public void respond(String response) {
        switch (step) {
            case CLIENT_FIRST -> {
                if (scram == null) {
                    cramResponse(response);
                } else {
                    scramClientFirst(response);
                }
            }
            case CLIENT_FINAL -> scramClientFinal(response);
            case CLIENT_ACK -> {
                step = Step.DONE;
                // RFC 5802 section 5: after the server-final-message the client has nothing more to say
                if (response.isEmpty()) {
                    host.decided(session.authorize(request.verified(), result));
                } else {
                    host.refuse();
                }
            }
            case DONE -> host.refuse();
        }
    }

    /** RFC 2195: {@code user SP hex-digest}. */
    private void cramResponse(String response) {
        step = Step.DONE;
        Optional<CramMd5.Response> parsed = CramMd5.parse(response);
        if (parsed.isEmpty()) {
            host.refuse();
            return;
        }
        String user = parsed.get().user();
        String digest = parsed.get().digest();
        lookup(user, () -> {
            if (!result.isFound() || result.flag(PassDbResult.NOPASSWORD)) {
                // not found and temporary failures get the strategy's own answer, with its delay
                host.decided(session.authorize(request, result));
                return;
            }
            String stored = result.field(PassDbResult.PASSWORD).orElse("");
            PasswordScheme.Verdict verdict = stored.isEmpty() ? PasswordScheme.Verdict.MISMATCH
                    : session.passwordScheme().verifyCramMd5(stored, cramChallenge, digest);
            verdictReached(verdict);
        });
    }

    /** RFC 5802 section 5.1: the client-first-message names the user; the server-first-message answers it. */
    private void scramClientFirst(String response) {
        if (!scram.clientFirst(response)) {
            step = Step.DONE;
            host.refuse();
            return;
        }
        // acting as another user is what the proxy's master login does, never what a client may ask
        String authzid = scram.authorizationId();
        if (authzid != null && !authzid.isEmpty() && !authzid.equals(scram.user())) {
            step = Step.DONE;
            host.refuse();
            return;
        }
        step = Step.CLIENT_FINAL;
        lookup(scram.user(), () -> {
            if (result.status() == PassDbResult.Status.TEMPORARY_FAILURE) {
                step = Step.DONE;
                host.decided(session.authorize(request, result));
                return;
            }
            // an unknown user gets a server-first-message as well, so that the exchange does not tell
            host.challenge(base64(scram.serverFirst()));
        });
    }

    private void scramClientFinal(String response) {
        step = Step.DONE;
        if (!result.isFound()) {
            host.decided(session.authorize(request, result));
            return;
        }
        Optional<String> password = result.field(PassDbResult.PASSWORD).flatMap(session.passwordScheme()::plaintext);
        if (password.isEmpty()) {
            LOG.info("session {}: {} needs a plaintext stored password; login refused", session.id(), mechanism);
            host.refuse();
            return;
        }
        host.await();
        String secret = password.get();
        session.offload(() -> scram.clientFinal(response, secret)).whenComplete((outcome, failure) ->
                host.resume(this, () -> {
                    if (failure != null) {
                        LOG.warn("session {}: {} verification failed: {}", session.id(), mechanism, failure.toString());
                        host.unavailable();
                    } else if (!outcome.valid()) {
                        host.refuse();
                    } else {
                        step = Step.CLIENT_ACK;
                        host.challenge(base64(outcome.serverFinal()));
                    }
                }));
    }

    private void verdictReached(PasswordScheme.Verdict verdict) {
        switch (verdict) {
            case MATCH -> host.decided(session.authorize(request.verified(), result));
            case MISMATCH -> host.refuse();
            case UNSUPPORTED_MECHANISM -> {
                LOG.info("session {}: the stored password cannot serve {}; login refused", session.id(), mechanism);
                host.refuse();
            }
            case UNKNOWN_SCHEME, MALFORMED -> host.unavailable();
        }
    }

    private void lookup(String user, Runnable then) {
        session.user(user);
        request = session.authRequest(user, null, mechanism);
        host.await();
        session.lookup(request).whenComplete((found, failure) -> host.resume(this, () -> {
            result = failure == null && found != null ? found : PassDbResult.temporaryFailure("passdb lookup failed");
            then.run();
        }));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "VerifiedSasl[" + mechanism + ", " + step + "]";
    }
}
