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
     * Credentials carried by a PLAIN message. The text is decoded as {@link ClientInput#text}; the
     * bytes are kept for a backend that must get exactly what the client sent. {@link #toString()},
     * {@link #equals} and {@link #hashCode()} leave the bytes out, and {@code toString()} the password.
     *
     * @param authorizationId the identity to act as; empty when the client gave none
     * @param authenticationId the identity whose password this is
     * @param password the password
     * @param authenticationIdBytes the authentication id's bytes as sent, or {@code null} for its UTF-8
     * @param passwordBytes the password's bytes as sent, or {@code null} for its UTF-8
     */
    public record PlainCredentials(String authorizationId, String authenticationId, String password,
                                   byte[] authenticationIdBytes, byte[] passwordBytes) {

        /**
         * Credentials whose bytes are the UTF-8 encoding of their text.
         *
         * @param authorizationId the identity to act as; empty for none
         * @param authenticationId the identity whose password this is
         * @param password the password
         */
        public PlainCredentials(String authorizationId, String authenticationId, String password) {
            this(authorizationId, authenticationId, password, null, null);
        }

        /** Fills in and copies the bytes. */
        public PlainCredentials {
            authenticationIdBytes = authenticationIdBytes == null
                    ? authenticationId.getBytes(StandardCharsets.UTF_8) : authenticationIdBytes.clone();
            passwordBytes = passwordBytes == null ? password.getBytes(StandardCharsets.UTF_8) : passwordBytes.clone();
        }

        /** @return a copy of the authentication id's bytes */
        @Override
        public byte[] authenticationIdBytes() {
            return authenticationIdBytes.clone();
        }

        /** @return a copy of the password's bytes */
        @Override
        public byte[] passwordBytes() {
            return passwordBytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PlainCredentials c && authorizationId.equals(c.authorizationId)
                    && authenticationId.equals(c.authenticationId) && password.equals(c.password);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(authorizationId, authenticationId);
        }

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
     *         (which includes a NUL inside the password: a third NUL)
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
        byte[] authzid = java.util.Arrays.copyOfRange(raw, 0, first);
        byte[] authcid = java.util.Arrays.copyOfRange(raw, first + 1, second);
        byte[] password = java.util.Arrays.copyOfRange(raw, second + 1, raw.length);
        return Optional.of(new PlainCredentials(ClientInput.text(authzid), ClientInput.text(authcid),
                ClientInput.text(password), authcid, password));
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
     * Encodes a PLAIN message of exact bytes as base64, for a backend that must get the bytes the
     * client sent.
     *
     * @param authorizationId the identity to act as, or {@code null}/empty for none
     * @param authenticationId the identity whose password this is
     * @param password the password
     * @return the base64 text
     */
    public static String encodePlain(byte[] authorizationId, byte[] authenticationId, byte[] password) {
        byte[] authz = authorizationId == null ? new byte[0] : authorizationId;
        byte[] message = new byte[authz.length + authenticationId.length + password.length + 2];
        System.arraycopy(authz, 0, message, 0, authz.length);
        System.arraycopy(authenticationId, 0, message, authz.length + 1, authenticationId.length);
        System.arraycopy(password, 0, message, authz.length + authenticationId.length + 2, password.length);
        try {
            return Base64.getEncoder().encodeToString(message);
        } finally {
            java.util.Arrays.fill(message, (byte) 0);
        }
    }

    /**
     * Decodes one base64 SASL response (for example a LOGIN user name or password).
     *
     * @param base64 the response
     * @return the text, decoded as {@link ClientInput#text}, or empty when it is not valid base64
     */
    public static Optional<String> decodeText(String base64) {
        return decodeBytes(base64).map(ClientInput::text);
    }

    /**
     * Decodes one base64 SASL response to its bytes.
     *
     * @param base64 the response
     * @return the bytes, or empty when it is not valid base64
     */
    public static Optional<byte[]> decodeBytes(String base64) {
        try {
            return Optional.of(Base64.getDecoder().decode(base64.trim()));
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
