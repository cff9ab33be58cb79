package io.github.mailproxy.passdb.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jdbc:mariadb://db1/mail?user=proxy&password=hunter2                | jdbc:mariadb://db1/mail?user=proxy&password=***",
        "jdbc:mariadb://db1/mail?password=hunter2&user=proxy                | jdbc:mariadb://db1/mail?password=***&user=proxy",
        "jdbc:postgresql://db1,db2/mail?user=proxy&password=hunter2&ssl=true | jdbc:postgresql://db1,db2/mail?user=proxy&password=***&ssl=true",
        "jdbc:postgresql://db1/mail?sslpassword=hunter2                     | jdbc:postgresql://db1/mail?sslpassword=***",
        "jdbc:mariadb://db1/mail?keyStorePassword=hunter2&PASSWORD=s3cret   | jdbc:mariadb://db1/mail?keyStorePassword=***&PASSWORD=***",
        "jdbc:h2:mem:x;USER=sa;PASSWORD=hunter2;MODE=MySQL                  | jdbc:h2:mem:x;USER=sa;PASSWORD=***;MODE=MySQL",
        "jdbc:mysql://proxy:hunter2@db1:3306/mail                           | jdbc:mysql://proxy:***@db1:3306/mail",
        "jdbc:sqlserver://db1;user=proxy;pwd=hunter2                        | jdbc:sqlserver://db1;user=proxy;pwd=***",
        "jdbc:mariadb:sequential://db1,db2/mail                             | jdbc:mariadb:sequential://db1,db2/mail",
        "No suitable driver found for jdbc:x://h/d?password=hunter2 (really) | No suitable driver found for jdbc:x://h/d?password=*** (really)",
    })
    void passwordsAreMaskedAndTheRestIsKept(String url, String masked) {
        assertThat(JdbcUrls.mask(url)).isEqualTo(masked);
    }

    @Test
    void aDriverManagerErrorDoesNotShowThePasswordOfTheUrl() {
        DriverManagerDataSource ds = new DriverManagerDataSource("jdbc:nosuchdb://h/d?user=u&password=hunter2", "u", null);

        assertThat(ds.toString()).doesNotContain("hunter2").contains("password=***");
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .hasMessage("No suitable driver found for jdbc:nosuchdb://h/d?user=u&password=***");
    }
}
