package io.github.mailproxy;

import java.util.Objects;

/**
 * What an {@link AuthStrategy} decided for one login: reject it, proxy it, refer the client
 * elsewhere (RFC 2221), or let the embedding application serve the user itself.
 */
public sealed interface AuthDecision {

    /** Why a login was rejected; each protocol maps it to its own reply code. */
    enum Failure {
        /** Wrong user or password: IMAP {@code [AUTHENTICATIONFAILED]}, POP3 {@code [AUTH]}. */
        AUTH_FAILED,
        /** Try again later: IMAP {@code [UNAVAILABLE]}, POP3 {@code [SYS/TEMP]}. */
        TEMPORARY,
        /** The mechanism cannot be served in this mode (password forwarding needs a plaintext one). */
        MECHANISM_NOT_SUPPORTED,
        /** The user exists but may not log in here ({@code nologin} without a host). */
        LOGIN_DISABLED
    }

    /**
     * Refuse the login.
     *
     * @param failure why, as a category the protocol maps to a reply code
     * @param reason  text that may be shown to the client, or {@code null} for the protocol's default
     */
    record Reject(Failure failure, String reason) implements AuthDecision {
        /** Checks the category. */
        public Reject {
            Objects.requireNonNull(failure, "failure");
        }
    }

    /**
     * Proxy the session to a backend.
     *
     * @param target      where to connect
     * @param credentials how to log in there
     */
    record Proxy(BackendTarget target, BackendCredentials credentials) implements AuthDecision {
        /** Checks the components. */
        public Proxy {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(credentials, "credentials");
        }
    }

    /**
     * Refuse the login with a referral to the server that holds the mailbox (IMAP login referral,
     * RFC 2221).
     *
     * @param host   the server to go to
     * @param port   its port, or 0 for the protocol's default
     * @param user   the user name to use there
     * @param reason text shown with the referral, or {@code null}
     */
    record Referral(String host, int port, String user, String reason) implements AuthDecision {
        /** Checks the components. */
        public Referral {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(user, "user");
        }
    }

    /**
     * Authenticated, but served by the embedding application rather than a backend.
     *
     * @param user the authenticated user
     */
    record Local(String user) implements AuthDecision {
        /** Checks the user. */
        public Local {
            Objects.requireNonNull(user, "user");
        }
    }
}
