package io.github.mailproxy.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of CRAM-MD5 and SCRAM, written from the RFCs with javax.crypto only, so that the
 * tests check the proxy against an independent implementation rather than against itself.
 */
public final class TestSasl {

    private TestSasl() {
    }

    public static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String unb64(String base64) {
        return new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
    }

    /** RFC 2195: the lower-case hex HMAC-MD5 of the challenge, keyed with the password. */
    public static String cramDigest(String password, String challenge) {
        return HexFormat.of().formatHex(hmac("HmacMD5", password.getBytes(StandardCharsets.UTF_8), challenge));
    }

    /** @return the base64 CRAM-MD5 response to a base64 challenge */
    public static String cramResponse(String user, String password, String challengeBase64) {
        return b64(user + " " + cramDigest(password, unb64(challengeBase64)));
    }

    public static byte[] hmac(String algorithm, byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One SCRAM-SHA-1 or SCRAM-SHA-256 client exchange (RFC 5802 section 3), without channel binding. */
    public static final class ScramClient {
        private final String hmac;
        private final String digest;
        private final String password;
        private final String clientFirstBare;
        private final String gs2Header;
        private String expectedServerSignature;

        public ScramClient(String mechanism, String authzid, String user, String password) {
            boolean sha256 = mechanism.equals("SCRAM-SHA-256");
            this.hmac = sha256 ? "HmacSHA256" : "HmacSHA1";
            this.digest = sha256 ? "SHA-256" : "SHA-1";
            this.password = password;
            byte[] nonce = new byte[12];
            new SecureRandom().nextBytes(nonce);
            this.gs2Header = "n," + (authzid == null ? "" : "a=" + authzid) + ",";
            this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C")
                    + ",r=" + Base64.getEncoder().encodeToString(nonce);
        }

        public ScramClient(String mechanism, String user, String password) {
            this(mechanism, null, user, password);
        }

        /** @return the client-first-message, not encoded */
        public String clientFirst() {
            return gs2Header + clientFirstBare;
        }

        /** @return the client-final-message, not encoded, for the server-first-message given */
        public String clientFinal(String serverFirst) {
            Map<String, String> attrs = attributes(serverFirst);
            byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
            int iterations = Integer.parseInt(attrs.get("i"));
            String withoutProof = "c=" + b64(gs2Header) + ",r=" + attrs.get("r");
            try {
                byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
                byte[] clientKey = hmac(hmac, salted, "Client Key");
                byte[] storedKey = MessageDigest.getInstance(digest).digest(clientKey);
                String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
                byte[] signature = hmac(hmac, storedKey, authMessage);
                byte[] proof = new byte[clientKey.length];
                for (int i = 0; i < proof.length; i++) {
                    proof[i] = (byte) (clientKey[i] ^ signature[i]);
                }
                expectedServerSignature = Base64.getEncoder().encodeToString(
                        hmac(hmac, hmac(hmac, salted, "Server Key"), authMessage));
                return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** @return whether the server-final-message proves the server knew the password */
        public boolean serverFinalValid(String serverFinal) {
            return serverFinal.equals("v=" + expectedServerSignature);
        }

        /** RFC 5802 Hi(): PBKDF2 with HMAC as the PRF and one block. */
        private byte[] hi(byte[] key, byte[] salt, int iterations) throws GeneralSecurityException {
            Mac mac = Mac.getInstance(hmac);
            mac.init(new SecretKeySpec(key, hmac));
            mac.update(salt);
            byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        }

        private static Map<String, String> attributes(String message) {
            Map<String, String> attrs = new LinkedHashMap<>();
            for (String part : message.split(",")) {
                attrs.put(part.substring(0, 1), part.substring(2));
            }
            return attrs;
        }
    }
}
