package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ScramTest {

    /** A SCRAM client as RFC 5802 section 3 describes it, written independently with the JDK. */
    private static String clientFinal(String mechanism, String clientFirstBare, String serverFirst, String password,
                                      String gs2Header) throws Exception {
        boolean sha1 = mechanism.equals("SCRAM-SHA-1");
        String mac = sha1 ? "HmacSHA1" : "HmacSHA256";
        String nonce = serverFirst.split(",")[0].substring(2);
        byte[] salt = Base64.getDecoder().decode(serverFirst.split(",")[1].substring(2));
        int iterations = Integer.parseInt(serverFirst.split(",")[2].substring(2));
        SecretKeyFactory f = SecretKeyFactory.getInstance(sha1 ? "PBKDF2WithHmacSHA1" : "PBKDF2WithHmacSHA256");
        byte[] salted = f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, sha1 ? 160 : 256))
                .getEncoded();
        byte[] clientKey = hmac(mac, salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance(sha1 ? "SHA-1" : "SHA-256").digest(clientKey);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8))
                + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] signature = hmac(mac, storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    }

    private static byte[] hmac(String algorithm, byte[] key, String data) throws Exception {
        Mac m = Mac.getInstance(algorithm);
        m.init(new SecretKeySpec(key, algorithm));
        return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsAClientThatKnowsThePasswordWithBothHashes() throws Exception {
        for (String mechanism : new String[] {"SCRAM-SHA-1", "SCRAM-SHA-256"}) {
            Scram scram = Scram.forMechanism(mechanism).orElseThrow();
            String bare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
            assertThat(scram.clientFirst("n,," + bare)).isTrue();
            assertThat(scram.user()).isEqualTo("user");
            String serverFirst = scram.serverFirst();
            assertThat(serverFirst).startsWith("r=rOprNGfwEbeRWgbNEkqO").contains(",s=").endsWith(",i=4096");
            Scram.Result result = scram.clientFinal(clientFinal(mechanism, bare, serverFirst, "pencil", "n,,"), "pencil");
            assertThat(result.valid()).as(mechanism).isTrue();
            assertThat(result.serverFinal()).startsWith("v=");
        }
    }

    @Test
    void refusesAWrongPasswordATamperedNonceAndChannelBinding() throws Exception {
        Scram scram = Scram.forMechanism("SCRAM-SHA-256").orElseThrow();
        String bare = "n=user,r=abcdefghijkl";
        scram.clientFirst("n,," + bare);
        String serverFirst = scram.serverFirst();
        assertThat(scram.clientFinal(clientFinal("SCRAM-SHA-256", bare, serverFirst, "wrong", "n,,"), "pencil").valid())
                .isFalse();
        String good = clientFinal("SCRAM-SHA-256", bare, serverFirst, "pencil", "n,,");
        assertThat(scram.clientFinal(good.replace(",r=", ",r=x"), "pencil").valid()).isFalse();
        assertThat(scram.clientFinal("garbage", "pencil").valid()).isFalse();
        assertThat(Scram.forMechanism("SCRAM-SHA-256").orElseThrow().clientFirst("p=tls-unique,,n=user,r=abc")).isFalse();
        assertThat(Scram.forMechanism("SCRAM-SHA-512")).isEmpty();
    }

    @Test
    void readsEscapedNamesAndAuthorizationIds() {
        Scram scram = Scram.forMechanism("SCRAM-SHA-1").orElseThrow();
        assertThat(scram.clientFirst("n,a=boss=2Cinc,n=a=3Db=2Cc,r=nonce")).isTrue();
        assertThat(scram.user()).isEqualTo("a=b,c");
        assertThat(scram.authorizationId()).isEqualTo("boss,inc");
        assertThat(Scram.forMechanism("SCRAM-SHA-1").orElseThrow().clientFirst("n,,n=bad=name,r=nonce")).isFalse();
    }
}
