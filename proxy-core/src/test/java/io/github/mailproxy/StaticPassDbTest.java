package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StaticPassDbTest {

    @Test
    void argsBecomeFields() {
        StaticPassDb db = StaticPassDb.parse(" proxy=y  host=10.0.0.2 port=143 nopassword ");

        assertThat(db.fields()).containsEntry("proxy", "y").containsEntry("host", "10.0.0.2")
                .containsEntry("port", "143").containsEntry("nopassword", "");
    }

    @Test
    void anEmptyFieldNameIsReportedByPositionWithoutItsValue() {
        assertThatThrownBy(() -> StaticPassDb.parse("proxy=y host=10.0.0.2 =hunter2 master=proxy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("passdb.static: field 3 has an empty name (its value is not shown: it may be a secret)");
    }

    @Test
    void toStringMasksThePassword() {
        assertThat(StaticPassDb.parse("proxy=y host=10.0.0.2 master=proxy pass=hunter2").toString())
                .doesNotContain("hunter2");
    }
}
