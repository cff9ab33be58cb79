package io.github.mailproxy.spi;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import io.github.mailproxy.internal.scheme.Pbkdf2;

/**
 * The server side of one SCRAM-SHA-1 or SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), for users whose
 * password is stored in plaintext: the proxy makes a fresh salt per exchange. Channel binding is
 * not offered ({@code n,,} and {@code y,,} are accepted, {@code p=} is refused). Passwords are used
 * as given, without SASLprep (exact for ASCII passwords).
 *
 * <p>Steps: {@link #clientFirst} (parse, learn the user) → look the user up → {@link #serverFirst} →
 * {@link #clientFinal} (CPU-heavy: run it with {@link LoginFlow.Host#offload}) → send
 * {@link Result#serverFinal()}. Not thread-safe; one per exchange.
 */
public final class Scram {

    private static final int ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String mechanism;
    private final String macAlgorithm;
    private final String digestAlgorithm;
    private String gs2Header;
    private String clientFirstBare;
    private String user;
    private String authorizationId;
    private String nonce;
    private String serverFirst;
    private byte[] salt;

    private Scram(String mechanism, String macAlgorithm, String digestAlgorithm) {
        this.mechanism = mechanism;
        this.macAlgorithm = macAlgorithm;
        this.digestAlgorithm = digestAlgorithm;
    }

    /**
     * @param mechanism {@code SCRAM-SHA-1} or {@code SCRAM-SHA-256}
     * @return a new exchange, or empty for another mechanism name
     */
    public static Optional<Scram> forMechanism(String mechanism) {
        return switch (mechanism) {
            case "SCRAM-SHA-1" -> Optional.of(new Scram(mechanism, "HmacSHA1", "SHA-1"));
            case "SCRAM-SHA-256" -> Optional.of(new Scram(mechanism, "HmacSHA256", "SHA-256"));
            default -> Optional.empty();
        };
    }

    /** @return the mechanism name */
    public String mechanism() {
        return mechanism;
    }

    /**
     * Reads the client-first-message.
     *
     * @param message the decoded message
     * @return whether it is valid; if so {@link #user()} is known
     */
    public boolean clientFirst(String message) {
        String[] parts = message.split(",", 3);
        if (parts.length < 3 || !(parts[0].equals("n") || parts[0].equals("y"))) {
            return false;
        }
        if (!parts[1].isEmpty()) {
            if (!parts[1].startsWith("a=")) {
                return false;
            }
            authorizationId = unescape(parts[1].substring(2));
            if (authorizationId == null) {
                return false;
            }
        }
        gs2Header = parts[0] + "," + parts[1] + ",";
        clientFirstBare = parts[2];
        String[] attrs = clientFirstBare.split(",");
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=") || attrs[1].length() < 3) {
            return false;
        }
        user = unescape(attrs[0].substring(2));
        if (user == null || user.isEmpty()) {
            return false;
        }
        byte[] serverNonce = new byte[18];
        RANDOM.nextBytes(serverNonce);
        nonce = attrs[1].substring(2) + Base64.getEncoder().encodeToString(serverNonce);
        return true;
    }

    /** @return the user the client authenticates as */
    public String user() {
        return user;
    }

    /** @return the authorization id the client asked for, or {@code null} */
    public String authorizationId() {
        return authorizationId;
    }

    /** @return the server-first-message (not base64-encoded), with a fresh salt */
    public String serverFirst() {
        salt = new byte[16];
        RANDOM.nextBytes(salt);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=" + ITERATIONS;
        return serverFirst;
    }

    /**
     * The outcome of the last step.
     *
     * @param valid       whether the client proved it knows the password
     * @param serverFinal the server-final-message to send when valid (not base64-encoded)
     */
    public record Result(boolean valid, String serverFinal) {
    }

    /**
     * Checks the client-final-message against the plaintext password. CPU-heavy (key derivation).
     *
     * @param message  the decoded client-final-message
     * @param password the user's stored plaintext password
     * @return whether the proof is valid, and the server's signature
     */
    public Result clientFinal(String message, String password) {
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0 || serverFirst == null) {
            return new Result(false, null);
        }
        String withoutProof = message.substring(0, proofAt);
        String expectedBinding = "c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8))
                + ",r=" + nonce;
        if (!withoutProof.equals(expectedBinding) && !withoutProof.startsWith(expectedBinding + ",")) {
            return new Result(false, null);
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            return new Result(false, null);
        }
        try {
            byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8));
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance(digestAlgorithm).digest(clientKey);
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] clientSignature = hmac(storedKey, authMessage);
            if (proof.length != clientSignature.length) {
                return new Result(false, null);
            }
            byte[] recoveredKey = new byte[proof.length];
            for (int i = 0; i < proof.length; i++) {
                recoveredKey[i] = (byte) (proof[i] ^ clientSignature[i]);
            }
            byte[] recoveredStoredKey = MessageDigest.getInstance(digestAlgorithm).digest(recoveredKey);
            if (!MessageDigest.isEqual(recoveredStoredKey, storedKey)) {
                return new Result(false, null);
            }
            byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
            return new Result(true, "v=" + Base64.getEncoder().encodeToString(serverSignature));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SCRAM primitives missing from the JDK", e);
        }
    }

    /** RFC 5802's Hi(): PBKDF2 with the mechanism's HMAC, one block long. */
    private byte[] hi(byte[] password) throws GeneralSecurityException {
        return Pbkdf2.derive(macAlgorithm, password, salt, ITERATIONS, Mac.getInstance(macAlgorithm).getMacLength());
    }

    private byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(macAlgorithm);
        mac.init(new SecretKeySpec(key, macAlgorithm));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 5802 saslname: {@code =2C} is a comma, {@code =3D} an equals sign; any other {@code =} is invalid. */
    private static String unescape(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '=') {
                if (name.startsWith("=2C", i)) {
                    sb.append(',');
                } else if (name.startsWith("=3D", i)) {
                    sb.append('=');
                } else {
                    return null;
                }
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Scram[" + mechanism + ", user=" + user + "]";
    }
}
