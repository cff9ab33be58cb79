package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthRequest;
import java.net.InetSocketAddress;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryTemplateTest {

    private static final AuthRequest REQUEST = new AuthRequest("pop3", "John.Doe@Example.org", "secret", "LOGIN",
            new InetSocketAddress("192.0.2.7", 50000), new InetSocketAddress("198.51.100.1", 110), true, "s1");

    @Test
    void seedsQuotedUserBecomesOneBindParameter() {
        QueryTemplate t = QueryTemplate.parse(
                "SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'");

        assertThat(t.sql()).isEqualTo("SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = ?");
        assertThat(t.values(REQUEST)).containsExactly("John.Doe@Example.org");
    }

    @Test
    void everyVariableShortAndLong() {
        QueryTemplate t = QueryTemplate.parse("SELECT 1 FROM t WHERE a = '%u' AND b = '%n' AND c = '%d' AND d = '%s'"
                + " AND e = '%r' AND f = '%l' AND g = %{user} AND h = %{username} AND i = %{domain}"
                + " AND j = %{service} AND k = %{rip} AND l = %{lip}");

        assertThat(t.sql()).doesNotContain("%").contains("a = ?").contains("g = ?");
        assertThat(t.values(REQUEST)).containsExactly(
                "John.Doe@Example.org", "John.Doe", "Example.org", "pop3", "192.0.2.7", "198.51.100.1",
                "John.Doe@Example.org", "John.Doe", "Example.org", "pop3", "192.0.2.7", "198.51.100.1");
    }

    @Test
    void portsAndTheServerNameALoadBalancerReported() {
        QueryTemplate t = QueryTemplate.parse("SELECT host FROM proxy WHERE name = '%{local_name}' AND p = %{rport}"
                + " AND q = %{lport}");

        assertThat(t.values(REQUEST.withServerName("imap.example.org"))).containsExactly("imap.example.org", "50000", "110");
        assertThat(t.values(REQUEST)).as("no name known").containsExactly("", "50000", "110");
        assertThat(t.cacheKey()).contains(io.github.mailproxy.PassDb.CacheKeyPart.SERVER_NAME,
                io.github.mailproxy.PassDb.CacheKeyPart.CLIENT_PORT, io.github.mailproxy.PassDb.CacheKeyPart.LOCAL_PORT);
        assertThatThrownBy(() -> QueryTemplate.parse("WHERE a = '%\0'")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void userWithoutDomainHasEmptyDomain() {
        AuthRequest plain = new AuthRequest("imap", "john", null, "PLAIN", REQUEST.clientAddress(),
                REQUEST.localAddress(), false, "s2");

        assertThat(QueryTemplate.parse("'%n' '%d'").values(plain)).containsExactly("john", "");
    }

    @Test
    void caseModifiers() {
        QueryTemplate t = QueryTemplate.parse("WHERE a = '%Lu' AND b = '%Ud'");

        assertThat(t.values(REQUEST)).containsExactly("john.doe@example.org", "EXAMPLE.ORG");
    }

    @Test
    void doublePercentIsAPercentSignInsideAndOutsideStrings() {
        QueryTemplate t = QueryTemplate.parse("SELECT 5 %% 3, x FROM t WHERE x LIKE 'a%%' AND y = '%u'");

        assertThat(t.sql()).isEqualTo("SELECT 5 % 3, x FROM t WHERE x LIKE 'a%' AND y = ?");
    }

    @Test
    void variableSharingAStringWithTextBecomesConcat() {
        QueryTemplate t = QueryTemplate.parse("WHERE email = '%n@%d' OR email = 'x''%u%%'");

        assertThat(t.sql()).isEqualTo("WHERE email = CONCAT(?, '@', ?) OR email = CONCAT('x''', ?, '%')");
        assertThat(t.values(REQUEST)).containsExactly("John.Doe", "Example.org", "John.Doe@Example.org");
    }

    @Test
    void doubleQuotedVariableIsMysqlsStringButDoubleQuotedNameStaysAnIdentifier() {
        QueryTemplate t = QueryTemplate.parse("SELECT \"host\" FROM proxy WHERE \"user\" = \"%u\"");

        assertThat(t.sql()).isEqualTo("SELECT \"host\" FROM proxy WHERE \"user\" = ?");
    }

    @Test
    void quotesDoubledInsideStringsAndCommentsAndBackticksAreKept() {
        String sql = "SELECT 'it''s', `odd?name` /* what's? */ FROM t -- isn't it?\nWHERE u = '%u'";

        assertThat(QueryTemplate.parse(sql).sql())
                .isEqualTo("SELECT 'it''s', `odd?name` /* what's? */ FROM t -- isn't it?\nWHERE u = ?");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "SELECT 1 WHERE u = '%x'          | unknown variable %x",
        "SELECT 1 WHERE u = %{nosuch}     | unknown variable %{nosuch}",
        "SELECT 1 WHERE u = '%Lq'         | unknown variable %Lq",
        "SELECT 1 WHERE u = %{user        | no closing '}'",
        "SELECT 1 WHERE u = 5%            | lone '%'",
        "SELECT 1 WHERE u = ?             | '?' outside quotes",
        "SELECT 1 WHERE u = 'abc          | not closed",
        "SELECT 1 /* WHERE u = '%u'       | not closed",
        "SELECT 1 /*/ WHERE u = '%u'      | not closed",
    })
    void badTemplateFailsNamingTheProblem(String template, String message) {
        assertThatThrownBy(() -> QueryTemplate.parse(template))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%x", "%{foo}"})
    void unknownVariableFailsAtConstructionNamingIt(String variable) {
        DataSource never = new DriverManagerDataSource("jdbc:none", null, null);

        assertThatThrownBy(() -> new JdbcPassDb(never, "SELECT host FROM proxy WHERE user = '" + variable + "'"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown variable " + variable);
    }
}
