package io.github.mailproxy.passdb.ldap;

import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.PEOPLE;
import static io.github.mailproxy.passdb.ldap.InMemoryDirectory.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.github.mailproxy.PassDbResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DovecotLdapConfTest {

    @Test
    void aDovecotFileWorksAsItIs(@TempDir Path dir) throws Exception {
        try (InMemoryDirectory directory = new InMemoryDirectory()) {
            Path file = dir.resolve("dovecot-ldap.conf.ext");
            Files.writeString(file, String.join("\n",
                    "# as Dovecot's example has it",
                    "hosts = 127.0.0.1:" + directory.port(),
                    "dn = " + InMemoryDirectory.SERVICE_DN,
                    "dnpass = " + InMemoryDirectory.SERVICE_PASSWORD,
                    "ldap_version = 3",
                    "base = " + PEOPLE,
                    "scope = subtree",
                    "deref = never",
                    "auth_bind = yes",
                    "pass_filter = (&(objectClass=posixAccount)(uid=%u))",
                    "pass_attrs = uid=user, mailHost=host, \\",
                    "  =proxy=y",
                    "user_attrs = homeDirectory=home",
                    "user_filter = (&(objectClass=posixAccount)(uid=%u))",
                    "default_pass_scheme = SSHA",
                    "blocking = yes",
                    ""));
            try (LdapPassDb passDb = LdapPassDb.fromDovecotLdapConf(file)) {
                PassDbResult r = passDb.lookup(login("alice", "pw-alice")).toCompletableFuture().join();
                assertThat(r.fields()).containsOnly(entry("user", "alice"), entry("host", "10.0.0.1"),
                        entry("proxy", "y"), entry("nopassword", "y"));
                assertThat(passDb.toString()).doesNotContain(InMemoryDirectory.SERVICE_PASSWORD);
            }
        }
    }

    @Test
    void unknownSettingIsRefusedByLineNumberNeverByItsText() {
        assertThatThrownBy(() -> DovecotLdapConf.parse("hosts = h\nbase = dc=x\nsecret-john = 1\n"))
                .hasMessageContaining("line 3").hasMessageContaining("unknown setting")
                .hasMessageNotContaining("secret-john");
        assertThatThrownBy(() -> DovecotLdapConf.parse("hosts = h\nbase = dc=x\nsecret-john\n"))
                .hasMessageContaining("line 3").hasMessageNotContaining("secret-john");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "base = dc=x                                   | uris or hosts: missing",
        "hosts = h                                     | base: missing",
        "hosts = h\\nbase = dc=x\\nsasl_bind = yes      | sasl_bind = yes: not supported",
        "hosts = h\\nbase = dc=x\\ntls_cert_file = /c   | tls_cert_file: not supported",
        "hosts = h\\nbase = dc=x\\nscope = deep         | scope: not one of",
        "hosts = h\\nbase = dc=x\\nderef = sometimes    | deref: not one of",
        "hosts = h\\nbase = dc=x\\nauth_bind = maybe    | auth_bind: yes or no",
        "hosts = h\\nbase = dc=x\\nldap_version = 4     | ldap_version",
        "hosts = h\\nbase = dc=x\\ntls_require_cert = x | tls_require_cert",
        "uris = http://h\\nbase = dc=x                  | is not ldap:// or ldaps://",
        "uris = ldaps://h\\nbase = dc=x\\ntls = yes      | choose one",
        "hosts = h\\nbase = dc=x\\npass_attrs = @a=b    | subqueries",
        "hosts = h\\nbase = dc=x\\npass_filter = (uid=%q) | unknown variable %q",
        "hosts = h\\nbase = dc=x\\npass_filter = uid=%u(  | not an LDAP filter",
        "hosts = h\\nbase = dc=x\\npass_attrs = =a=%{ldap_ptr:x} | not supported",
    })
    void badSettingsAreRefusedNamingThem(String text, String message) {
        assertThatThrownBy(() -> DovecotLdapConf.parse(text.replace("\\n", "\n")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void dnpassNeverInAnError() {
        assertThatThrownBy(() -> DovecotLdapConf.parse("hosts = h\nbase = dc=x\ndn = not a dn\ndnpass = secret-john\n"))
                .hasMessageContaining("dn").hasMessageNotContaining("secret-john");
    }
}
