package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.PassDb.CacheKeyPart;
import java.net.InetSocketAddress;
import java.text.ParsePosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DovecotVariableTest {

    private static final AuthRequest LOGIN = new AuthRequest("pop3", "Alice@Example.org", "x", "PLAIN",
            new InetSocketAddress("192.0.2.7", 40000), new InetSocketAddress("198.51.100.1", 110), false, "s1");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%u          | Alice@Example.org | 2",
        "%{user}     | Alice@Example.org | 7",
        "%n          | Alice             | 2",
        "%{username} | Alice             | 11",
        "%Ld         | example.org       | 3",
        "%{domain}   | Example.org       | 9",
        "%Us         | POP3              | 3",
        "%{service}  | pop3              | 10",
        "%r          | 192.0.2.7         | 2",
        "%{lip}      | 198.51.100.1      | 6",
    })
    void eachVariableReadsItsPartOfTheLoginAndMovesThePositionPastIt(String text, String value, int end) {
        ParsePosition at = new ParsePosition(0);
        DovecotVariable.Reference ref = DovecotVariable.parse(text + "tail", at);
        assertThat(ref.value(LOGIN)).isEqualTo(value);
        assertThat(at.getIndex()).isEqualTo(end);
    }

    @Test
    void userWithoutDomainHasAnEmptyDomainAndItselfAsUsername() {
        AuthRequest bare = new AuthRequest("imap", "bob", null, "PLAIN", new InetSocketAddress("192.0.2.7", 1),
                new InetSocketAddress("198.51.100.1", 143), false, "s2");
        assertThat(DovecotVariable.DOMAIN.value(bare)).isEmpty();
        assertThat(DovecotVariable.USERNAME.value(bare)).isEqualTo("bob");
    }

    @Test
    void cacheKeyPartsNameWhereEachValueComesFrom() {
        for (DovecotVariable v : new DovecotVariable[] {DovecotVariable.USER, DovecotVariable.USERNAME,
            DovecotVariable.DOMAIN}) {
            assertThat(v.cacheKeyPart()).isEqualTo(CacheKeyPart.USER);
        }
        assertThat(DovecotVariable.REMOTE_IP.cacheKeyPart()).isEqualTo(CacheKeyPart.CLIENT_ADDRESS);
        assertThat(DovecotVariable.LOCAL_IP.cacheKeyPart()).isEqualTo(CacheKeyPart.LOCAL_ADDRESS);
        assertThat(DovecotVariable.SERVICE.cacheKeyPart()).isEqualTo(CacheKeyPart.PROTOCOL);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%x         | unknown variable %x",
        "%Lq        | unknown variable %Lq",
        "%L         | unknown variable %L",
        "%{nosuch}  | unknown variable %{nosuch}",
        "%{user     | no closing '}'",
        "%          | a lone '%' at the end",
        "u          | no '%' at offset 0",
    })
    void badVariablesAreNamed(String text, String message) {
        assertThatThrownBy(() -> DovecotVariable.parse(text, new ParsePosition(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
