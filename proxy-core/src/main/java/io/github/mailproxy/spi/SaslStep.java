package io.github.mailproxy.spi;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import java.util.Objects;

/**
 * What a {@link SaslServer} wants done after a client's response. The protocol's framing turns a
 * step into its wire form ({@code + base64}, a tagged reply, {@code -ERR}); {@link LoginFlow} does
 * the rest.
 */
public sealed interface SaslStep {

    /**
     * Send this challenge and read the client's next response.
     *
     * @param base64 the challenge, base64-encoded; empty for an empty challenge
     */
    record Challenge(String base64) implements SaslStep {
        /** Checks the challenge. */
        public Challenge {
            Objects.requireNonNull(base64, "base64");
        }
    }

    /**
     * A plaintext mechanism (PLAIN, LOGIN) is complete: these credentials go to the auth service.
     * Their text is decoded as {@link ClientInput#text}; their bytes are what the client sent, for a
     * backend that must get them unchanged. They hold no NUL, CR or LF and the user is not empty: the
     * server refused those before anything was looked up. The authorization id is empty or the
     * user itself. {@link #toString()} hides the password.
     *
     * @param credentials the credentials (LOGIN's have an empty authorization id)
     */
    record Credentials(Sasl.PlainCredentials credentials) implements SaslStep {
        /** Checks the credentials. */
        public Credentials {
            Objects.requireNonNull(credentials, "credentials");
        }
    }

    /**
     * A mechanism the proxy verifies itself (CRAM-MD5, SCRAM) is through with the PassDb: the auth
     * service decides what follows, with {@link LoginFlow.Host#authorize}. The request is marked
     * {@link AuthRequest#verified() verified} when the client's proof matched the stored secret;
     * otherwise the user was not found or the PassDb failed, and the strategy answers that.
     *
     * @param request the login, without password
     * @param result  what the PassDb said
     */
    record Authorize(AuthRequest request, PassDbResult result) implements SaslStep {
        /** Checks the parts. */
        public Authorize {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The exchange failed.
     *
     * @param reason why
     */
    record Failed(Reason reason) implements SaslStep {
        /** Checks the reason. */
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The client cancelled the exchange with {@code *} (RFC 4959, RFC 5034). */
    record Cancelled() implements SaslStep {
    }

    /** Why an exchange failed. */
    enum Reason {
        /** A response was not valid base64: a protocol error, answered at once. */
        MALFORMED,
        /** A server-first mechanism (CRAM-MD5) was given an initial response: a protocol error, answered at once. */
        INITIAL_RESPONSE_NOT_ALLOWED,
        /**
         * The credentials are refused: a wrong proof, a bad message, another authorization identity,
         * a NUL, CR or LF. An authentication failure, answered after the failure delay.
         */
        REFUSED,
        /** The stored secret cannot be used (an unknown scheme, a malformed hash, a failed derivation). */
        UNAVAILABLE
    }
}
