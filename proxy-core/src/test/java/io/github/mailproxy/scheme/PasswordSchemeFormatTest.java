package io.github.mailproxy.scheme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.PasswordScheme.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Default scheme, encodings, unknown schemes and malformed values. */
class PasswordSchemeFormatTest {

    private final PasswordScheme schemes = PasswordScheme.dovecot();

    @Test
    void valueWithoutPrefixIsReadInTheDefaultSchemePlain() {
        assertThat(schemes.defaultScheme()).isEqualTo("PLAIN");
        assertThat(schemes.verify("pässwort mit Leerzeichen", "pässwort mit Leerzeichen")).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify("pässwort", "Pässwort")).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verify("{abc", "{abc")).as("no closing brace: no prefix").isEqualTo(Verdict.MATCH);
        assertThat(schemes.plaintext("secret")).contains("secret");
    }

    @Test
    void anotherDefaultSchemeReadsBareValuesInIt() {
        String sha256 = Doveadm.pw("SHA256", "secret");
        String hex = Doveadm.pw("SHA256.HEX", "secret");
        String crypt = Doveadm.pw("SHA512-CRYPT", "secret");

        assertThat(PasswordScheme.dovecot("sha256").verify("secret", strip(sha256))).isEqualTo(Verdict.MATCH);
        assertThat(PasswordScheme.dovecot("SHA256.HEX").verify("secret", strip(hex))).isEqualTo(Verdict.MATCH);
        assertThat(PasswordScheme.dovecot("sha512-crypt").verify("secret", strip(crypt))).isEqualTo(Verdict.MATCH);
        assertThat(PasswordScheme.dovecot("sha512-crypt").verify("secret", "secret")).isEqualTo(Verdict.MALFORMED);
        assertThat(PasswordScheme.dovecot("SHA256").defaultScheme()).isEqualTo("SHA256");
        assertThat(PasswordScheme.dovecot("SHA256").plaintext("secret")).isEmpty();
        assertThat(PasswordScheme.dovecot("SHA256").verify("secret", "{PLAIN}secret")).isEqualTo(Verdict.MATCH);
    }

    @Test
    void unknownDefaultSchemeIsRefusedAtOnceNamingTheSetting() {
        assertThatThrownBy(() -> PasswordScheme.dovecot("ROT13"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("default_pass_scheme")
                .hasMessageContaining("ROT13");
        assertThatThrownBy(() -> PasswordScheme.dovecot("SHA256.ROT13")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bareMd5CryptIsRecognisedWhateverTheDefault() {
        String stored = strip(Doveadm.pw("MD5-CRYPT", "secret"));

        assertThat(schemes.schemeOf(stored)).contains("MD5-CRYPT");
        assertThat(schemes.verify("secret", stored)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify("secret", stored + "$ignored")).isEqualTo(Verdict.MATCH);
    }

    @Test
    void fixedLengthDigestsAreReadInHexOrBase64ByLengthAsDovecotDoes() {
        for (String scheme : List.of("PLAIN-MD5", "LDAP-MD5", "SHA", "SHA256", "SHA512", "CRAM-MD5")) {
            String hex = Doveadm.pw(scheme + ".HEX", "secret");
            String b64 = Doveadm.pw(scheme + ".B64", "secret");

            assertThat(schemes.verify("secret", "{" + scheme + "}" + value(hex))).as(hex).isEqualTo(Verdict.MATCH);
            assertThat(schemes.verify("secret", "{" + scheme + "}" + value(b64))).as(b64).isEqualTo(Verdict.MATCH);
            assertThat(schemes.verify("secret", "{" + scheme + ".B64}" + value(hex))).isEqualTo(Verdict.MALFORMED);
        }
        assertThat(schemes.verify("secret", "{MD5}" + value(Doveadm.pw("PLAIN-MD5", "secret")))).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify("secret", "{PLAIN-MD5}" + value(Doveadm.pw("PLAIN-MD5", "secret")).toUpperCase()))
                .isEqualTo(Verdict.MATCH);
    }

    @Test
    void traditionalDesCryptVerifies() {
        // From crypt(3): crypt("secret", "ab").
        assertThat(schemes.verify("secret", "{CRYPT}abNANd1rDfiNc")).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify("secreT", "{CRYPT}abNANd1rDfiNc")).isEqualTo(Verdict.MISMATCH);
    }

    @Test
    void unknownSchemeIsAResultAndIsLoggedWithoutTheValue() {
        try (LogCapture log = new LogCapture()) {
            assertThat(schemes.verify("x", "{ROT13}frperg-inyhr")).isEqualTo(Verdict.UNKNOWN_SCHEME);
            assertThat(schemes.verify("x", "{SHA256.ROT13}frperg-inyhr")).isEqualTo(Verdict.UNKNOWN_SCHEME);
            assertThat(schemes.verify("x", "{my secret}rest")).isEqualTo(Verdict.UNKNOWN_SCHEME);
            assertThat(schemes.verifyCramMd5("{ROT13}frperg-inyhr", "<1@x>", "00")).isEqualTo(Verdict.UNKNOWN_SCHEME);

            assertThat(log.text()).contains("unknown scheme; it cannot be verified\" scheme=ROT13").contains("scheme=SHA256.ROT13")
                    .doesNotContain("frperg").doesNotContain("my secret");
        }
        assertThat(schemes.schemeOf("{ROT13}x")).isEmpty();
        assertThat(schemes.isExpensive("{ROT13}x")).isFalse();
        assertThat(schemes.isPlaintext("{ROT13}x")).isFalse();
    }

    @Test
    void malformedValuesAreAResultAndAreLoggedWithoutTheValue() {
        String salt20 = Base64.getEncoder().encodeToString(new byte[20]);
        List<String> malformed = List.of(
                "{SHA256}!!secretvalue!!",
                "{SHA256}" + Base64.getEncoder().encodeToString(new byte[31]),
                "{SHA256.HEX}secretvalue",
                "{PLAIN-MD5}secretvalue",
                "{SSHA}" + salt20,
                "{SSHA}%secretvalue%",
                "{CRAM-MD5}secretvalue",
                "{MD5-CRYPT}$1$",
                "{MD5-CRYPT}secretvalue",
                "{SHA512-CRYPT}secretvalue",
                "{SHA256-CRYPT}$5$",
                "{BLF-CRYPT}$2y$05$secretvalue",
                "{BLF-CRYPT}$2y$xx$secretvaluesecretvaluesecretvaluesecretvaluesecretvalue12",
                "{PBKDF2}secretvalue",
                "{PBKDF2}$1$secretvalue$5000$abcd",
                "{PBKDF2}$1$secretvalue$x$aaec8bfc659f82580118e2d2392673b70e053c14",
                "{PBKDF2}$1$secretvalue$0$aaec8bfc659f82580118e2d2392673b70e053c14",
                "{PBKDF2}$1$secretvalue$5000$zzec8bfc659f82580118e2d2392673b70e053c14",
                "{ARGON2ID}secretvalue",
                "{ARGON2ID}$argon2id$v=19$m=65536,t=3$secretvalue$aaNmCj6OZlrFUz8E5yt16AVTzVRz2kE1iIVQVq8yX6Q",
                "{ARGON2ID}$argon2id$v=19$m=999999999,t=3,p=1$c2VjcmV0dmFsdWU$aaNmCj6OZlrFUz8E5yt16AVTzVRz2kE1iIVQVq8yX6Q",
                "{ARGON2ID}$argon2id$v=18$m=65536,t=3,p=1$c2VjcmV0dmFsdWU$aaNmCj6OZlrFUz8E5yt16AVTzVRz2kE1iIVQVq8yX6Q",
                "{ARGON2I}$argon2d$v=19$m=65536,t=3,p=1$c2VjcmV0dmFsdWU$aaNmCj6OZlrFUz8E5yt16AVTzVRz2kE1iIVQVq8yX6Q",
                "{ARGON2I}$argon2i$v=19$m=65536,t=3,p=1$!secretvalue!$aaNmCj6OZlrFUz8E5yt16AVTzVRz2kE1iIVQVq8yX6Q",
                "{PLAIN.B64}!secretvalue!");
        try (LogCapture log = new LogCapture()) {
            for (String stored : malformed) {
                assertThat(schemes.verify("secretvalue", stored)).as(stored).isEqualTo(Verdict.MALFORMED);
            }
            assertThat(log.text()).contains("malformed").doesNotContain("secretvalue").doesNotContain("c2VjcmV0dmFsdWU");
        }
    }

    @Test
    void garbageNeverMatchesAndNeverThrows() {
        List<String> garbage = List.of("", "$", "$$$$", "\u0000", "$1$", "$1$a$b$c$d", "$5$rounds=x$", "$2y$",
                "$2b$04$", "$argon2id$", "$argon2i$v=19$m=8,t=1,p=1$$", "$1$$$", "{", "}", "=", "==",
                "x".repeat(10_000), "ÿþ", "\r\n");
        for (String scheme : PasswordScheme.supportedSchemes()) {
            for (String value : garbage) {
                String stored = "{" + scheme + "}" + value;
                Verdict verdict = schemes.verify("garbage-password", stored);
                assertThat(verdict).as(stored).isIn(Verdict.MISMATCH, Verdict.MALFORMED);
            }
        }
    }

    @Test
    void plaintextIsGivenOnlyForPlainSchemes() {
        assertThat(schemes.plaintext("{PLAIN}pässwort")).contains("pässwort");
        assertThat(schemes.plaintext("{cleartext}pässwort")).contains("pässwort");
        assertThat(schemes.plaintext(Doveadm.pw("PLAIN.B64", "pässwort €"))).contains("pässwort €");
        assertThat(schemes.plaintext(Doveadm.pw("PLAIN.HEX", "pässwort €"))).contains("pässwort €");
        assertThat(schemes.plaintext("{PLAIN.B64}" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff})))
                .isEmpty();
        assertThat(schemes.plaintext(Doveadm.pw("SHA256", "secret"))).isEmpty();
        assertThat(schemes.isPlaintext("{PLAIN.B64}cMOkIHNz")).isTrue();
        assertThat(schemes.isPlaintext("bare")).isTrue();
        assertThat(schemes.isPlaintext(Doveadm.pw("CRAM-MD5", "secret"))).isFalse();
    }

    @Test
    void schemeNamesAreCanonical() {
        assertThat(schemes.schemeOf("{sha1}x")).contains("SHA");
        assertThat(schemes.schemeOf("{Hmac-Md5}x")).contains("CRAM-MD5");
        assertThat(schemes.schemeOf("{ssha512.hex}x")).contains("SSHA512");
        assertThat(schemes.schemeOf("bare")).contains("PLAIN");
        assertThat(PasswordScheme.supportedSchemes()).contains("PLAIN", "CLEARTEXT", "PLAIN-MD5", "LDAP-MD5", "SHA",
                "SHA256", "SHA512", "SSHA", "SSHA256", "SSHA512", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT",
                "BLF-CRYPT", "PBKDF2", "ARGON2I", "ARGON2ID", "CRAM-MD5");
    }

    @Test
    void cramMd5FollowsRfc2195AndRefusesWhatItCannotServe() {
        // RFC 2195 section 2's example.
        String challenge = "<1896.697170952@postoffice.reston.mci.net>";
        String response = "b913a602c7eda7a495b4e6e7334d3890";
        String cram = Doveadm.pw("CRAM-MD5", "tanstaaftanstaaf");

        assertThat(schemes.verifyCramMd5("{PLAIN}tanstaaftanstaaf", challenge, response)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(cram, challenge, response)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.canVerifyCramMd5(cram)).isTrue();
        assertThat(schemes.canVerifyCramMd5("{PLAIN}x")).isTrue();
        assertThat(schemes.canVerifyCramMd5(Doveadm.pw("SHA512-CRYPT", "x"))).isFalse();
        assertThat(schemes.verifyCramMd5(Doveadm.pw("SHA512-CRYPT", "tanstaaftanstaaf"), challenge, response))
                .isEqualTo(Verdict.UNSUPPORTED_MECHANISM);
        assertThat(schemes.verifyCramMd5(cram, challenge, "b913a602")).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verifyCramMd5(cram, challenge, "not hex at all")).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verifyCramMd5(cram, challenge, "")).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verifyCramMd5("{CRAM-MD5}abcd", challenge, response)).isEqualTo(Verdict.MALFORMED);
    }

    @Test
    void verdictSaysWhetherItMatches() {
        assertThat(Verdict.MATCH.matches()).isTrue();
        for (Verdict v : List.of(Verdict.MISMATCH, Verdict.UNKNOWN_SCHEME, Verdict.MALFORMED,
                Verdict.UNSUPPORTED_MECHANISM)) {
            assertThat(v.matches()).isFalse();
        }
        assertThat(schemes.toString()).isEqualTo("PasswordScheme[default=PLAIN]");
    }

    private static String strip(String stored) {
        return stored.substring(stored.indexOf('}') + 1);
    }

    private static String value(String stored) {
        return new String(strip(stored).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
