package io.github.mailproxy.spi;

import java.util.Arrays;
import java.util.List;

/**
 * How a protocol's backend login client ended: reported once to the {@link LoginFlow}, which
 * answers the client (after the failure delay for a refusal) and starts the relay on success.
 */
public sealed interface BackendLoginResult {

    /**
     * The backend accepted the login; the relay takes the connection.
     *
     * @param connection   the logged-in backend connection
     * @param capabilities the backend's capabilities after login (IMAP), or {@code null} when unknown
     * @param backendReply the backend's own success line without its line end (POP3's {@code +OK ...}),
     *                     or {@code null}
     */
    record LoggedIn(BackendConnection connection, List<String> capabilities, byte[] backendReply)
            implements BackendLoginResult {
        /** Copies the line. */
        public LoggedIn {
            capabilities = capabilities == null ? null : List.copyOf(capabilities);
            backendReply = backendReply == null ? null : backendReply.clone();
        }

        /** @return a copy of the backend's success line, or {@code null} */
        @Override
        public byte[] backendReply() {
            return backendReply == null ? null : backendReply.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LoggedIn l && connection == l.connection
                    && java.util.Objects.equals(capabilities, l.capabilities) && Arrays.equals(backendReply, l.backendReply);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(connection, capabilities, Arrays.hashCode(backendReply));
        }

        @Override
        public String toString() {
            return "LoggedIn[capabilities=" + capabilities + "]";
        }
    }

    /** The backend refused the credentials: to the client, the same as a refusal by the PassDb. */
    record Refused() implements BackendLoginResult {
    }

    /**
     * The backend could not be reached or logged in to for another reason: a temporary failure.
     *
     * @param code a protocol response code to pass on (POP3 {@code IN-USE}), or {@code null}
     */
    record Unavailable(String code) implements BackendLoginResult {
    }
}
