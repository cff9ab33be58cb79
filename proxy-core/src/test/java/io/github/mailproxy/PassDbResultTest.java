package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PassDbResultTest {

    @Test
    void fieldsAreCaseInsensitiveAndNullMeansAbsent() {
        Map<String, String> row = new HashMap<>();
        row.put("HOST", "10.0.0.1");
        row.put("Password", null);
        row.put("DestUser", "bob");
        PassDbResult r = PassDbResult.found(row);
        assertThat(r.field("host")).contains("10.0.0.1");
        assertThat(r.field("destuser")).contains("bob");
        assertThat(r.field("password")).isEmpty();
    }

    @Test
    void booleansReadAsDovecotReadsThem() {
        for (String yes : new String[] {"Y", "y", "yes", "YES", "1", "true", ""}) {
            assertThat(PassDbResult.found(Map.of("proxy", yes)).flag("proxy")).as(yes).isTrue();
        }
        for (String no : new String[] {"N", "no", "0", "false"}) {
            assertThat(PassDbResult.found(Map.of("proxy", no)).flag("proxy")).as(no).isFalse();
        }
        assertThat(PassDbResult.found(Map.of()).flag("proxy")).isFalse();
    }

    @Test
    void toStringMasksPasswords() {
        String s = PassDbResult.found(Map.of("password", "hunter2", "pass", "master-secret", "host", "h")).toString();
        assertThat(s).doesNotContain("hunter2").doesNotContain("master-secret").contains("host=h");
    }

    @Test
    void staticArgsParseAsDovecotWritesThem() {
        StaticPassDb db = StaticPassDb.parse("proxy=y host=127.0.0.1 port=10143 nopassword");
        assertThat(db.fields()).containsEntry("proxy", "y").containsEntry("host", "127.0.0.1")
                .containsEntry("port", "10143").containsEntry("nopassword", "");
        assertThat(PassDbResult.found(db.fields()).flag("nopassword")).isTrue();
    }
}
