package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DovecotSqlConfTest {

    /** The important parts of dovecot-sql.conf, as the seed gives them. */
    static final String SEED = """
            # Database driver: mysql, pgsql
            driver = mysql

            # Database connect string.
            # Only MySQL driver support multiple hosts for now.
            connect = host=sqlhost1 host=sqlhost2 dbname=mail user=dovecot password=secret

            # Query
            password_query = SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'
            """;

    @Test
    void seedsFileLoads(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("dovecot-sql.conf");
        Files.writeString(file, SEED);

        DovecotSqlConf conf = DovecotSqlConf.parse(file);

        assertThat(conf.driver()).isEqualTo("mysql");
        assertThat(conf.jdbcUrl()).isEqualTo("jdbc:mariadb:sequential://sqlhost1,sqlhost2/mail");
        assertThat(conf.user()).isEqualTo("dovecot");
        assertThat(conf.password()).isEqualTo("secret");
        assertThat(conf.passwordQuery())
                .isEqualTo("SELECT NULL AS password, host, destuser, 'Y' AS proxy FROM proxy WHERE user = '%u'");
        assertThat(conf.toString()).doesNotContain("secret").contains("password=***");
    }

    @Test
    void pgsqlHostsBecomePostgresFailoverUrlWithPortAndOptions() {
        DovecotSqlConf conf = DovecotSqlConf.parse("""
                driver = pgsql
                connect = host=db1 host=db2,db3 port=5433 dbname=mail user=dovecot password='pa ss\\'word' sslmode=require
                password_query = SELECT host FROM proxy WHERE "user" = '%u'
                """);

        assertThat(conf.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5433,db2:5433,db3:5433/mail?sslmode=require");
        assertThat(conf.password()).isEqualTo("pa ss'word");
    }

    @Test
    void oneMysqlHostNeedsNoFailoverMode() {
        DovecotSqlConf conf = DovecotSqlConf.parse("driver=mysql\nconnect=host=db port=3307 dbname=mail\n"
                + "password_query=SELECT host FROM proxy WHERE user = '%u'\n");

        assertThat(conf.jdbcUrl()).isEqualTo("jdbc:mariadb://db:3307/mail");
        assertThat(conf.user()).isNull();
    }

    @Test
    void continuedLinesQuotedValuesAndOtherQueriesAreRead() {
        DovecotSqlConf conf = DovecotSqlConf.parse("""
                driver = "mysql"
                connect = dbname=mail
                default_pass_scheme = PLAIN
                user_query = SELECT home FROM users WHERE user = '%u'
                password_query = \\
                  SELECT password, host \\
                  FROM proxy WHERE user = '%u'
                """);

        assertThat(conf.passwordQuery()).isEqualTo("SELECT password, host FROM proxy WHERE user = '%u'");
        assertThat(conf.jdbcUrl()).isEqualTo("jdbc:mariadb://localhost/mail");
        assertThat(conf.defaultPassScheme()).isEqualTo("PLAIN");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "driver = sqlite\\nconnect = dbname=x\\npassword_query = SELECT 1        | driver: 'sqlite' is not supported",
        "driver = mysql\\nconnect = dbname=x                                   | password_query: missing",
        "driver = mysql\\npassword_query = SELECT 1                            | connect: missing",
        "connect = dbname=x\\npassword_query = SELECT 1                        | driver: missing",
        "driver = mysql\\nconnect = host=a\\npassword_query = SELECT 1          | dbname is missing",
        "driver = mysql\\nconnect = dbname=x ssl_ca=/ca\\npassword_query = SELECT 1 | 'ssl_ca' is not supported",
        "driver = mysql\\nconnect = host=/run/mysqld.sock dbname=x\\npassword_query = SELECT 1 | Unix socket",
        "driver = mysql\\nconnect = dbname=x port=0\\npassword_query = SELECT 1 | port is not a port number",
        "driver = mysql\\nconnect = dbname=x/y\\npassword_query = SELECT 1      | dbname has characters",
        "driver = mysql\\nconnect = host=a?b dbname=x\\npassword_query = SELECT 1 | not a host name",
        "driver = mysql\\nconnect = dbname=x\\npassword_query = SELECT '%q'     | unknown variable %q",
        "driver = mysql\\nconnect = dbname=x\\npassword_query = SELECT 1\\nfoo = 1 | line 4: unknown setting (not shown",
        "driver = mysql\\ndriver = pgsql\\nconnect = dbname=x\\npassword_query = SELECT 1 | driver: set twice",
    })
    void badFileFailsNamingTheSetting(String text, String message) {
        assertThatThrownBy(() -> DovecotSqlConf.parse(text.replace("\\n", "\n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void strayWordInConnectIsNotEchoedSinceItMayBeAPassword() {
        assertThatThrownBy(() -> DovecotSqlConf.parse(
                "driver = mysql\nconnect = dbname=x password= hunter2\npassword_query = SELECT 1"))
                .hasMessageContaining("expected key=value")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aStrayLineIsReportedByNumberNotByText() {
        assertThatThrownBy(() -> DovecotSqlConf.parse(
                "driver = mysql\n# comment\nconnect = dbname=x \\\n  user=proxy\nhunter2\npassword_query = SELECT 1"))
                .hasMessage("dovecot-sql.conf line 5: not a 'key = value' line (not shown: it may be a secret)");
    }

    @Test
    void aSecretWithAnEqualsSignOnALineOfItsOwnIsNotEchoed() {
        assertThatThrownBy(() -> DovecotSqlConf.parse(
                "driver = mysql\nconnect = dbname=x\nhunter2==\npassword_query = SELECT 1"))
                .hasMessageStartingWith("dovecot-sql.conf line 3: unknown setting (not shown: it may be a secret); known are ")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aPasswordWithASpaceInConnectIsNotEchoed() {
        assertThatThrownBy(() -> DovecotSqlConf.parse(
                "driver = mysql\nconnect = dbname=x password=hunter2 x=s3cret\npassword_query = SELECT 1"))
                .hasMessage("dovecot-sql.conf connect: the parameter at offset 26 is not supported with driver mysql;"
                        + " supported are [dbname, host, password, port, user]");
    }

    @Test
    void anUnterminatedQuotedPasswordIsNotEchoed() {
        assertThatThrownBy(() -> DovecotSqlConf.parse(
                "driver = pgsql\nconnect = dbname=x password='hunter2\npassword_query = SELECT 1"))
                .hasMessage("dovecot-sql.conf connect: the quoted value of password is not closed");
    }

    @Test
    void fileNameAndLineNumberAreInTheMessage(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("secret.conf");
        Files.writeString(file, "driver = mysql\nconnect = dbname=x\nhunter2\n");

        assertThatThrownBy(() -> DovecotSqlConf.parse(file))
                .hasMessage(file + ": dovecot-sql.conf line 3: not a 'key = value' line (not shown: it may be a secret)");
    }

    @Test
    void fileNameIsInTheMessage(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "driver = oracle\n");

        assertThatThrownBy(() -> DovecotSqlConf.parse(file)).hasMessageStartingWith(file.toString());
    }
}
