package io.github.mailproxy.passdb.ldap;

import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PassDbResult.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LdapPassDb against a real OpenLDAP (Debian's slapd, a private instance per {@link PrivateSlapd}): the
 * proxy attributes Dovecot documents ({@code mailHost} of misc.schema), password lookups, authentication
 * binds, StartTLS and ldaps, failover to the second server, a server down, filter injection.
 */
class SlapdInteropTest {

    static final String PEOPLE = "ou=people," + PrivateSlapd.SUFFIX;

    /** Users with Dovecot's proxy attributes; passwords in clear, which slapd checks on bind too. */
    static String ldif(int alicePort, int bobPort) {
        return String.join("\n",
                "dn: " + PEOPLE, "objectClass: organizationalUnit", "ou: people", "",
                user("alice", "pw-alice", "127.0.0.1", alicePort),
                user("bob", "pw-bob", "127.0.0.1", bobPort),
                user("carol", "pw-carol", "127.0.0.1", 0),
                "dn: uid=o\\28brien\\2C jr," + PEOPLE, "objectClass: inetOrgPerson", "uid: o(brien, jr", "cn: o",
                "sn: o", "userPassword: pw-carol", "");
    }

    private static String user(String uid, String password, String host, int port) {
        return String.join("\n", "dn: uid=" + uid + "," + PEOPLE, "objectClass: inetOrgPerson",
                "objectClass: inetLocalMailRecipient", "objectClass: mailproxyRoute", "uid: " + uid, "cn: " + uid,
                "sn: " + uid, "mail: " + uid + "@example.org", "userPassword: " + password, "mailHost: " + host,
                "mailPort: " + port, "", "");
    }

    private static PrivateSlapd slapd;

    @BeforeAll
    static void start() throws Exception {
        slapd = PrivateSlapd.start(ldif(1143, 2143));
    }

    @AfterAll
    static void stop() {
        if (slapd != null) {
            slapd.close();
        }
    }

    private static LdapPassDb.Builder service(String... uris) {
        return LdapPassDb.builder().uris(uris).bindDn(PrivateSlapd.SERVICE_DN, PrivateSlapd.SERVICE_PASSWORD)
                .base(PEOPLE).passFilter("(&(objectClass=inetOrgPerson)(uid=%u))");
    }

    private static PassDbResult lookup(LdapPassDb passDb, String user, String password) {
        return passDb.lookup(login(user, password)).toCompletableFuture().join();
    }

    @Test
    void passwordLookupReadsDovecotsProxyAttributes() {
        try (LdapPassDb passDb = service(slapd.uri())
                .passAttrs("uid=user, userPassword=password, =proxy=y, =host=%{ldap:mailHost}, mailPort=port")
                .defaultPassScheme("PLAIN").build()) {
            assertThat(lookup(passDb, "alice", "pw-alice").fields()).containsOnly(entry("user", "alice"),
                    entry("password", "{PLAIN}pw-alice"), entry("proxy", "y"), entry("host", "127.0.0.1"),
                    entry("port", "1143"));
            assertThat(lookup(passDb, "nobody", "x").status()).isEqualTo(Status.NOT_FOUND);
        }
    }

    @Test
    void anonymousSearchCannotReadPasswordsButAuthBindChecksThem() {
        try (LdapPassDb lookupOnly = LdapPassDb.builder().uris(slapd.uri()).base(PEOPLE)
                .passFilter("(uid=%u)").passAttrs("userPassword=password, mailHost=host").build();
             LdapPassDb authBind = LdapPassDb.builder().uris(slapd.uri()).base(PEOPLE).authBind(true)
                     .passFilter("(uid=%u)").passAttrs("userPassword=password, mailHost=host, =proxy=y").build()) {
            assertThat(lookup(lookupOnly, "bob", "pw-bob").fields()).containsOnly(entry("host", "127.0.0.1"));
            assertThat(lookup(authBind, "bob", "pw-bob").fields()).containsOnly(entry("host", "127.0.0.1"),
                    entry("proxy", "y"), entry("nopassword", "y"));
            assertThat(lookup(authBind, "bob", "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
            assertThat(lookup(authBind, "bob", "").status()).isEqualTo(Status.NOT_FOUND);
        }
    }

    @Test
    void authBindUserDnBindsWithTheTemplate() {
        try (LdapPassDb passDb = LdapPassDb.builder().uris(slapd.uri()).base(PEOPLE).authBind(true)
                .authBindUserDn("uid=%u," + PEOPLE).passAttrs("=proxy=y, =host=127.0.0.1").build()) {
            assertThat(lookup(passDb, "carol", "pw-carol").fields()).containsOnly(entry("proxy", "y"),
                    entry("host", "127.0.0.1"), entry("nopassword", "y"));
            assertThat(lookup(passDb, "carol", "pw-bob").status()).isEqualTo(Status.NOT_FOUND);
            assertThat(lookup(passDb, "o(brien, jr", "pw-carol").status()).as("escaped in the DN, found")
                    .isEqualTo(Status.FOUND);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "a*", "*)(uid=*", "alice)(uid=*", "alice)(|(uid=*)", "alice\u0000", "*)(objectClass=*"})
    void filterInjectionFindsNothing(String user) {
        try (LdapPassDb passDb = service(slapd.uri()).passAttrs("mailHost=host").build();
             LdapPassDb authBind = service(slapd.uri()).authBind(true).passAttrs("mailHost=host").build()) {
            assertThat(lookup(passDb, user, "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
            assertThat(lookup(authBind, user, "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
        }
    }

    @Test
    void oddButRealUserNamesAreFoundExactly() {
        try (LdapPassDb passDb = service(slapd.uri()).passAttrs("uid=user").build()) {
            assertThat(lookup(passDb, "o(brien, jr", "x").fields()).containsOnly(entry("user", "o(brien, jr"));
        }
    }

    @Test
    void startTlsAndLdapsWithAVerifiedCertificate() {
        try (LdapPassDb startTls = service(slapd.uri()).startTls(true).sslContext(slapd.clientContext(), true)
                .authBind(true).passAttrs("mailHost=host").build();
             LdapPassDb ldaps = service(slapd.ldapsUri()).sslContext(slapd.clientContext(), true)
                     .authBind(true).passAttrs("mailHost=host").build()) {
            assertThat(lookup(startTls, "alice", "pw-alice").flag(PassDbResult.NOPASSWORD)).isTrue();
            assertThat(lookup(ldaps, "alice", "pw-alice").flag(PassDbResult.NOPASSWORD)).isTrue();
        }
    }

    @Test
    void untrustedCertificateIsATemporaryFailure() {
        try (LdapPassDb passDb = service(slapd.ldapsUri()).passAttrs("mailHost=host").build()) {
            assertThat(lookup(passDb, "alice", "pw-alice").status()).isEqualTo(Status.TEMPORARY_FAILURE);
        }
    }

    @Test
    void failoverToTheSecondServerWhenTheFirstStops() throws Exception {
        PrivateSlapd first = PrivateSlapd.start(ldif(1, 1));
        try (PrivateSlapd second = PrivateSlapd.start(ldif(2, 2));
             LdapPassDb passDb = service(first.uri(), second.uri()).authBind(true).passAttrs("mailPort=port").build()) {
            assertThat(lookup(passDb, "alice", "pw-alice").field("port")).contains("1");
            first.close();
            assertThat(lookup(passDb, "alice", "pw-alice").field("port")).contains("2");
            assertThat(lookup(passDb, "alice", "pw-bob").status()).isEqualTo(Status.NOT_FOUND);
        } finally {
            first.close();
        }
    }

    @Test
    void serverDownIsATemporaryFailureAndServerBackAnswersAgain() throws Exception {
        PrivateSlapd only = PrivateSlapd.start(ldif(3, 3));
        try (LdapPassDb passDb = service(only.uri()).authBind(true).passAttrs("mailPort=port").build()) {
            assertThat(lookup(passDb, "alice", "pw-alice").field("port")).contains("3");
            only.close();
            PassDbResult down = lookup(passDb, "alice", "pw-alice");
            assertThat(down.status()).isEqualTo(Status.TEMPORARY_FAILURE);
        } finally {
            only.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
