package io.github.mailproxy.spi;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * SASL helpers shared by the protocol modules: PLAIN (RFC 4616) and the LOGIN mechanism's prompts.
 */
public final class Sasl {

    /** Base64 of {@code Username:}, the LOGIN mechanism's first challenge. */
    public static final String LOGIN_USER_PROMPT = "VXNlcm5hbWU6";
    /** Base64 of {@code Password:}, the LOGIN mechanism's second challenge. */
    public static final String LOGIN_PASSWORD_PROMPT = "UGFzc3dvcmQ6";

    private Sasl() {
    }

    /**
     * Credentials carried by a PLAIN message. {@link #toString()} hides the password.
     *
     * @param authorizationId the identity to act as; empty when the client gave none
     * @param authenticationId the identity whose password this is
     * @param password the password
     */
    public record PlainCredentials(String authorizationId, String authenticationId, String password) {
        @Override
        public String toString() {
            return "PlainCredentials[authorizationId=" + authorizationId
                    + ", authenticationId=" + authenticationId + ", password=***]";
        }
    }

    /**
     * Decodes a base64 PLAIN message: {@code [authzid] NUL authcid NUL passwd}.
     *
     * @param base64 the client's response, without line end
     * @return the credentials, or empty when the text is not valid base64 or not a valid message
     */
    public static Optional<PlainCredentials> decodePlain(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int first = indexOf(raw, 0);
        int second = first < 0 ? -1 : indexOf(raw, first + 1);
        if (second < 0 || indexOf(raw, second + 1) >= 0 || second == first + 1) {
            return Optional.empty();
        }
        return Optional.of(new PlainCredentials(
                new String(raw, 0, first, StandardCharsets.UTF_8),
                new String(raw, first + 1, second - first - 1, StandardCharsets.UTF_8),
                new String(raw, second + 1, raw.length - second - 1, StandardCharsets.UTF_8)));
    }

    /**
     * Encodes a PLAIN message as base64.
     *
     * @param authorizationId the identity to act as, or {@code null}/empty for none
     * @param authenticationId the identity whose password this is
     * @param password the password
     * @return the base64 text
     */
    public static String encodePlain(String authorizationId, String authenticationId, String password) {
        String message = (authorizationId == null ? "" : authorizationId) + '\0' + authenticationId + '\0' + password;
        return Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes one base64 SASL response (for example a LOGIN user name or password).
     *
     * @param base64 the response
     * @return the decoded UTF-8 text, or empty when it is not valid base64
     */
    public static Optional<String> decodeText(String base64) {
        try {
            return Optional.of(new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i < raw.length; i++) {
            if (raw[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
