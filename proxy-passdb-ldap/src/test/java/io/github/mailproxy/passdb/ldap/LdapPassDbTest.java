package io.github.mailproxy.passdb.ldap;

import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.PEOPLE;
import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.mailproxy.PassDb.CacheKeyPart;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PassDbResult.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LdapPassDbTest {

    private InMemoryDirectory directory;
    private LdapPassDb passDb;

    @BeforeEach
    void start() throws Exception {
        directory = new InMemoryDirectory();
    }

    @AfterEach
    void stop() {
        if (passDb != null) {
            passDb.close();
        }
        directory.close();
    }

    private LdapPassDb.Builder builder() {
        return LdapPassDb.builder().uris(directory.uri())
                .bindDn(InMemoryDirectory.SERVICE_DN, InMemoryDirectory.SERVICE_PASSWORD)
                .base(PEOPLE);
    }

    private PassDbResult lookup(LdapPassDb.Builder b, String user, String password) {
        passDb = b.build();
        return passDb.lookup(login(user, password)).toCompletableFuture().join();
    }

    private PassDbResult lookup(String user, String password) {
        return passDb.lookup(login(user, password)).toCompletableFuture().join();
    }

    @Test
    void passwordLookupWithDovecotsDefaultsGivesUserAndPasswordWithCryptScheme() {
        PassDbResult r = lookup(builder(), "alice", "pw-alice");
        assertThat(r.status()).isEqualTo(Status.FOUND);
        assertThat(r.fields()).containsOnly(entry("user", "alice"), entry("password", "{CRYPT}pw-alice"));
    }

    @Test
    void proxyAttributesInBothDovecotForms() {
        PassDbResult r = lookup(builder().passFilter("(&(objectClass=posixAccount)(uid=%u))")
                .passAttrs("uid=user, mailHost=host, =proxy=y, =port=%{ldap:mailPort:143}, =nopassword,"
                        + " =destuser=%{ldap:mail}, mail"), "alice", "pw-alice");
        assertThat(r.fields()).containsOnly(entry("user", "alice"), entry("host", "10.0.0.1"), entry("proxy", "y"),
                entry("port", "1143"), entry("nopassword", ""), entry("destuser", "alice@example.org"),
                entry("mail", "alice@example.org"));
        assertThat(r.flag(PassDbResult.NOPASSWORD)).isTrue();
    }

    @Test
    void missingAttributeLeavesItsFieldOutOrTakesTheTemplatesDefault() {
        PassDbResult r = lookup(builder().passAttrs("mail=destuser, mailPort=port, =port2=%{ldap:mailPort:143},"
                + " mailHost=host=imap-%$.example.org, nosuch=x=never%$"), "carol", "pw-carol");
        assertThat(r.fields()).containsOnly(entry("port2", "143"), entry("host", "imap-10.0.0.4.example.org"));
    }

    @Test
    void templateWithoutVariableIsAPrefixOfTheValueAsInDovecot() {
        PassDbResult r = lookup(builder().passAttrs("mailHost=host=imap-"), "alice", "pw-alice");
        assertThat(r.fields()).containsOnly(entry("host", "imap-10.0.0.1"));
    }

    @Test
    void ofSeveralValuesTheFirstIsTaken() {
        PassDbResult r = lookup(builder().passAttrs("mailHost=host"), "bob", "pw-bob");
        assertThat(r.fields()).containsOnly(entry("host", "10.0.0.2"));
    }

    @Test
    void unknownUserIsNotFound() {
        assertThat(lookup(builder(), "nobody", "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
    }

    @Test
    void twoEntriesForOneUserAreATemporaryFailure() {
        PassDbResult r = lookup(builder(), "twin", "pw-alice");
        assertThat(r.status()).isEqualTo(Status.TEMPORARY_FAILURE);
        assertThat(r.failureReason()).contains("more than one entry");
    }

    @Test
    void scopeDecidesHowDeepTheSearchGoes() {
        passDb = builder().scope(LdapPassDb.Scope.ONELEVEL).passAttrs("mailHost=host").build();
        assertThat(lookup("alice", "x").isFound()).isTrue();
        assertThat(lookup("carol", "x").isFound()).as("carol is in ou=staff, one level further").isFalse();
        assertThat(lookup("twin", "x").field("host")).contains("10.0.0.5");
        passDb.close();
        passDb = LdapPassDb.builder().uris(directory.uri()).base("uid=%u," + PEOPLE).scope(LdapPassDb.Scope.BASE)
                .passFilter("(objectClass=*)").passAttrs("mailHost=host").build();
        assertThat(lookup("alice", "x").field("host")).contains("10.0.0.1");
        assertThat(lookup("carol", "x").status()).as("no such base").isEqualTo(Status.NOT_FOUND);
        passDb.close();
        passDb = builder().passAttrs("mailHost=host").build();  // subtree, Dovecot's default
        assertThat(lookup("carol", "x").field("host")).contains("10.0.0.4");
    }

    @Test
    void variablesInTheFilterAreEscapedSoThatOddButRealNamesAreFoundExactly() {
        passDb = builder().passAttrs("mailHost=host").build();
        assertThat(lookup("o(brien, jr", "x").field("host")).contains("10.0.0.7");
        assertThat(lookup("jösé", "x").field("host")).contains("10.0.0.8");
        assertThat(lookup("JÖSÉ", "x").field("host")).as("uid matches case-insensitively").contains("10.0.0.8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "a*", "*)(uid=*", "alice)(uid=*", "alice)(|(uid=*)", "alice\u0000", "alice\\2a",
        "alice)", "(uid=alice)", "*)(objectClass=*"})
    void filterInjectionFindsNothing(String user) {
        PassDbResult r = lookup(builder().passAttrs("mailHost=host"), user, "x");
        assertThat(r.status()).isEqualTo(Status.NOT_FOUND);
    }

    @Test
    void dnInjectionThroughAuthBindUserDnFindsNothing() {
        passDb = builder().authBind(true).authBindUserDn("uid=%u," + PEOPLE).build();
        // a user name that would add a component to the DN, or bind as the service account
        assertThat(lookup("alice,ou=people", "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
        assertThat(lookup("x,cn=dovecot,dc=example,dc=org", InMemoryDirectory.SERVICE_PASSWORD).status())
                .isEqualTo(Status.NOT_FOUND);
        assertThat(lookup("alice", "pw-alice").status()).isEqualTo(Status.FOUND);
    }

    @Test
    void authBindChecksThePasswordByBindingAsTheUserFound() {
        passDb = builder().authBind(true).passAttrs("uid=user, userPassword=password, mailHost=host, =proxy=y").build();
        PassDbResult right = lookup("carol", "pw-carol");
        assertThat(right.fields()).containsOnly(entry("user", "carol"), entry("host", "10.0.0.4"),
                entry("proxy", "y"), entry("nopassword", "y"));
        assertThat(lookup("carol", "pw-alice").status()).isEqualTo(Status.NOT_FOUND);
        assertThat(lookup("carol", "").status()).as("empty: no unauthenticated bind").isEqualTo(Status.NOT_FOUND);
        assertThat(lookup("nobody", "pw-carol").status()).isEqualTo(Status.NOT_FOUND);
        // the same user again after a failed bind: the pool's connections are still good
        assertThat(lookup("carol", "pw-carol").isFound()).isTrue();
    }

    @Test
    void authBindWithoutAPlaintextPasswordGivesTheFieldsButNoNopassword() {
        passDb = builder().authBind(true).passAttrs("mailHost=host").build();
        PassDbResult r = lookup("alice", null);
        assertThat(r.fields()).containsOnly(entry("host", "10.0.0.1"));
    }

    @Test
    void authBindUserDnBindsWithoutSearchingAndGivesOnlyTheFieldsThatReadNoAttribute() {
        passDb = LdapPassDb.builder().uris(directory.uri()).base(PEOPLE).authBind(true)
                .authBindUserDn("uid=%u," + PEOPLE)
                .passAttrs("mailHost=host, =proxy=y, =host2=%{ldap:mailHost}, =destuser=%n@backend").build();
        assertThat(lookup("alice", "pw-alice").fields()).containsOnly(entry("proxy", "y"),
                entry("destuser", "alice@backend"), entry("nopassword", "y"));
        assertThat(lookup("alice", "pw-bob").status()).isEqualTo(Status.NOT_FOUND);
        assertThat(lookup("carol", "pw-carol").status()).as("carol is not directly under people")
                .isEqualTo(Status.NOT_FOUND);
    }

    @Test
    void cacheKeyHasThePasswordOnlyWithAuthBindAndTheAddressesOnlyWhenUsed() {
        passDb = builder().build();
        assertThat(passDb.cacheKey()).containsOnly(CacheKeyPart.USER, CacheKeyPart.PROTOCOL);
        passDb.close();
        passDb = builder().authBind(true).passFilter("(&(uid=%u)(allowedFrom=%r))").build();
        assertThat(passDb.cacheKey()).containsOnly(CacheKeyPart.USER, CacheKeyPart.PROTOCOL,
                CacheKeyPart.CLIENT_ADDRESS, CacheKeyPart.PASSWORD);
    }

    @Test
    void serviceAccountWithAWrongPasswordIsATemporaryFailureNotAWrongUserPassword() {
        PassDbResult r = lookup(LdapPassDb.builder().uris(directory.uri()).bindDn(InMemoryDirectory.SERVICE_DN,
                "not-the-password").base(PEOPLE), "alice", "pw-alice");
        assertThat(r.status()).isEqualTo(Status.TEMPORARY_FAILURE);
    }

    @Test
    void toStringShowsTheSettingsButNeverDnpass() {
        passDb = builder().build();
        assertThat(passDb.toString()).contains(directory.uri(), PEOPLE, "dnpass=***")
                .doesNotContain(InMemoryDirectory.SERVICE_PASSWORD);
    }

    @Test
    void variablesOfEveryKindReachTheFilter() {
        passDb = builder().passFilter("(&(uid=%Ln)(|(mail=%u)(mail=%{username}@%d))(!(uid=%s))(!(uid=%r))(!(uid=%l)))")
                .passAttrs("mailHost=host").build();
        assertThat(lookup("ALICE@example.org", "x").field("host")).contains("10.0.0.1");
        assertThat(lookup("alice@example.net", "x").status()).isEqualTo(Status.NOT_FOUND);
    }
}
