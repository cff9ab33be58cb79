package io.github.mailproxy.internal.scheme;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.scheme.Doveadm;
import io.github.mailproxy.scheme.LogCapture;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bouncy Castle and commons-codec are optional in proxy-core. Here proxy-core runs in a class loader that
 * sees its own classes and slf4j, and neither jar: the schemes that need one fail as a temporary failure
 * whose log line names the jar, and every other scheme (and CRAM-MD5, and PBKDF2 as SCRAM uses it) works.
 */
class OptionalJarsTest {

    private static URLClassLoader withoutOptionalJars;
    private static Object schemes;
    private static Method verify;

    @BeforeAll
    static void loadCoreWithoutTheOptionalJars() throws Exception {
        withoutOptionalJars = new URLClassLoader("without-optional-jars", new URL[] {
            location(PasswordScheme.class), location(org.slf4j.Logger.class), location(org.slf4j.simple.SimpleLogger.class),
        }, ClassLoader.getPlatformClassLoader());
        Class<?> passwordScheme = withoutOptionalJars.loadClass(PasswordScheme.class.getName());
        assertThat(passwordScheme.getClassLoader()).as("core's classes come from the isolated loader")
                .isSameAs(withoutOptionalJars);
        schemes = passwordScheme.getMethod("dovecot").invoke(null);
        verify = passwordScheme.getMethod("verify", String.class, String.class);
    }

    @AfterAll
    static void close() throws Exception {
        withoutOptionalJars.close();
    }

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    private static String verdict(String password, String stored) throws Exception {
        return verify.invoke(schemes, password, stored).toString();
    }

    @Test
    void theIsolatedLoaderReallyLacksBothJars() {
        assertThat(Library.BOUNCY_CASTLE.isPresentIn(withoutOptionalJars)).isFalse();
        assertThat(Library.COMMONS_CODEC.isPresentIn(withoutOptionalJars)).isFalse();
        assertThat(Library.BOUNCY_CASTLE.isPresent()).as("the test class path has them").isTrue();
        assertThat(Library.COMMONS_CODEC.isPresent()).isTrue();
    }

    @Test
    void argon2WithoutBouncyCastleIsATemporaryFailureLoggedWithTheJarToAdd() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertThat(verdict("secret", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA"))
                    .isEqualTo("UNKNOWN_SCHEME");
            assertThat(log.text()).contains(
                    "msg=\"ARGON2ID needs org.bouncycastle:bcprov-jdk18on on the class path\" scheme=ARGON2ID "
                            + "library=org.bouncycastle:bcprov-jdk18on");
        }
    }

    @Test
    void bcryptWithoutBouncyCastleNamesTheJarWhateverTheSchemeWasCalled() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertThat(verdict("secret", "{CRYPT}$2y$05$abcdefghijklmnopqrstuu5Z2x1XJgDMkKXUhCsAZZz2rMKvTGcWq"))
                    .isEqualTo("UNKNOWN_SCHEME");
            assertThat(log.text()).contains("BLF-CRYPT needs org.bouncycastle:bcprov-jdk18on on the class path");
        }
    }

    @Test
    void shaCryptWithoutCommonsCodecNamesThatJar() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertThat(verdict("secret", Doveadm.pw("SHA512-CRYPT", "secret"))).isEqualTo("UNKNOWN_SCHEME");
            assertThat(verdict("secret", Doveadm.pw("MD5-CRYPT", "secret"))).isEqualTo("UNKNOWN_SCHEME");
            assertThat(log.text())
                    .contains("SHA512-CRYPT needs commons-codec:commons-codec on the class path")
                    .contains("MD5-CRYPT needs commons-codec:commons-codec on the class path");
        }
    }

    @Test
    void aDefaultSchemeThatNeedsAMissingJarIsRefusedAtOnce() throws Exception {
        Method dovecot = withoutOptionalJars.loadClass(PasswordScheme.class.getName()).getMethod("dovecot", String.class);
        try {
            dovecot.invoke(null, "argon2id");
            throw new AssertionError("ARGON2ID accepted as default scheme without Bouncy Castle");
        } catch (InvocationTargetException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("default_pass_scheme: ARGON2ID needs org.bouncycastle:bcprov-jdk18on on the class path");
        }
    }

    @Test
    void everyOtherSchemeNeedsOnlyTheJdk() throws Exception {
        for (String scheme : List.of("PLAIN", "PLAIN-MD5", "SHA256", "SSHA512", "PBKDF2", "CRAM-MD5")) {
            String stored = Doveadm.pw(scheme, "secret");
            assertThat(verdict("secret", stored)).as(stored).isEqualTo("MATCH");
            assertThat(verdict("wrong", stored)).as(stored).isEqualTo("MISMATCH");
        }
    }

    @Test
    void cramMd5FromAStoredContextNeedsOnlyTheJdk() throws Exception {
        Method verifyCramMd5 = schemes.getClass().getMethod("verifyCramMd5", String.class, String.class, String.class);
        // RFC 2195's example: user tim, password tanstaaftanstaaf
        String challenge = "<1896.697170952@postoffice.reston.mci.net>";
        String response = "b913a602c7eda7a495b4e6e7334d3890";
        assertThat(verifyCramMd5.invoke(schemes, Doveadm.pw("CRAM-MD5", "tanstaaftanstaaf"), challenge, response)
                .toString()).isEqualTo("MATCH");
        assertThat(verifyCramMd5.invoke(schemes, "{PLAIN}tanstaaftanstaaf", challenge, response).toString())
                .isEqualTo("MATCH");
    }
}
