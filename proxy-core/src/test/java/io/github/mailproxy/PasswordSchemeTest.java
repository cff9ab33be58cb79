package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PasswordScheme.Verdict;
import io.github.mailproxy.scheme.Doveadm;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scheme against hashes that Dovecot's {@code doveadm pw} writes during the run: the right
 * password matches, wrong ones do not.
 */
class PasswordSchemeTest {

    /** Spaces, non-ASCII text, characters that mean something in the formats, longer than an MD5 block and bcrypt's 72 bytes. */
    static final List<String> PASSWORDS = List.of(
            "secret",
            "correct horse battery staple",
            "pässwörd €uro ß",
            "日本語のパスワード",
            "p:a{s}s$w%rd\\'\"",
            "x".repeat(50) + "ünïcödé-longer-than-one-md5-block-and-bcrypt's-72-bytes");

    static final List<String> SCHEMES = List.of(
            "PLAIN", "CLEARTEXT", "PLAIN-MD5", "LDAP-MD5", "MD5", "SHA", "SHA1", "SHA256", "SHA512",
            "SMD5", "SSHA", "SSHA256", "SSHA512", "CRYPT", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT",
            "BLF-CRYPT", "PBKDF2", "ARGON2I", "ARGON2ID", "CRAM-MD5", "HMAC-MD5");

    private final PasswordScheme schemes = PasswordScheme.dovecot();

    static Stream<Arguments> schemesAndPasswords() {
        return SCHEMES.stream().flatMap(s -> PASSWORDS.stream().map(p -> Arguments.of(s, p)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schemesAndPasswords")
    void doveadmHashVerifiesAndWrongPasswordsAreRefused(String scheme, String password) {
        String stored = Doveadm.pw(scheme, password);

        assertThat(schemes.verify(password, stored)).as(stored).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify(wrong(password), stored)).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verify("", stored)).isEqualTo(Verdict.MISMATCH);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemeNames")
    void schemeNamesAreCaseInsensitive(String scheme) {
        String stored = Doveadm.pw(scheme, "Case Test");
        String lower = "{" + scheme.toLowerCase(Locale.ROOT) + "}" + stored.substring(stored.indexOf('}') + 1);

        assertThat(schemes.verify("Case Test", lower)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verify("case test", lower)).isEqualTo(Verdict.MISMATCH);
    }

    static Stream<String> schemeNames() {
        return SCHEMES.stream();
    }

    static Stream<Arguments> encodedSchemes() {
        return Stream.of("PLAIN", "PLAIN-MD5", "LDAP-MD5", "SHA", "SHA256", "SHA512", "SMD5", "SSHA", "SSHA256",
                        "SSHA512", "CRAM-MD5")
                .flatMap(s -> Stream.of(".HEX", ".B64", ".BASE64", ".hex", ".b64").map(e -> Arguments.of(s + e)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodedSchemes")
    void encodingSuffixesAsDoveadmWritesThem(String scheme) {
        for (String password : List.of("secret", "pässwörd €uro ß")) {
            String stored = Doveadm.pw(scheme, password);

            assertThat(schemes.verify(password, stored)).as(stored).isEqualTo(Verdict.MATCH);
            assertThat(schemes.verify(wrong(password), stored)).isEqualTo(Verdict.MISMATCH);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemeNames")
    void expensiveSchemesAreSaidToBe(String scheme) {
        String stored = Doveadm.pw(scheme, "secret");
        boolean expected = List.of("MD5", "CRYPT", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT",
                "PBKDF2", "ARGON2I", "ARGON2ID").contains(scheme);

        assertThat(schemes.isExpensive(stored)).isEqualTo(expected);
    }

    static Stream<String> passwords() {
        return PASSWORDS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("passwords")
    void cramMd5ResponseIsVerifiedFromADoveadmCramMd5Value(String password) throws Exception {
        String stored = Doveadm.pw("CRAM-MD5", password);
        String challenge = "<1896.697170952@postoffice.example.net>";
        Mac mac = Mac.getInstance("HmacMD5");
        mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8),
                "HmacMD5"));
        String response = HexFormat.of().formatHex(
                mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));

        assertThat(schemes.verifyCramMd5(stored, challenge, response)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(stored, challenge, response.toUpperCase(Locale.ROOT)))
                .isEqualTo(Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(stored, challenge + " ", response)).isEqualTo(Verdict.MISMATCH);
        assertThat(schemes.verifyCramMd5(Doveadm.pw("PLAIN", password), challenge, response)).isEqualTo(Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(Doveadm.pw("CRAM-MD5", wrong(password)), challenge, response))
                .isEqualTo(Verdict.MISMATCH);
    }

    private static String wrong(String password) {
        char first = password.charAt(0) == 'a' ? 'b' : 'a';
        return first + password.substring(1);
    }
}
