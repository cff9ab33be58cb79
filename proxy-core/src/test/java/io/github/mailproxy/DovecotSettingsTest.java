package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DovecotSettingsTest {

    private static final Set<String> KEYS = Set.of("hosts", "base", "pass_attrs", "dnpass");

    @Test
    void readsKeyValueLinesCommentsContinuationsAndQuotes() {
        assertThat(DovecotSettings.parse("# comment\nhosts = a b\n\nbase = \"dc=example, dc=org\"\n"
                + "pass_attrs = uid=user, \\\n  =proxy=y\r\n", "test.conf", KEYS))
                .containsExactly(entry("hosts", "a b"), entry("base", "dc=example, dc=org"),
                        entry("pass_attrs", "uid=user, =proxy=y"));
    }

    @Test
    void errorsNameTheLineOrTheKeyNeverTheValue() {
        assertThatThrownBy(() -> DovecotSettings.parse("hosts = a\nhunter2\n", "test.conf", KEYS))
                .hasMessage("test.conf line 2: not a 'key = value' line (not shown: it may be a secret)");
        assertThatThrownBy(() -> DovecotSettings.parse("hosts = a\n\nhunter2 = x\n", "test.conf", KEYS))
                .hasMessageStartingWith("test.conf line 3: unknown setting").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> DovecotSettings.parse("dnpass = hunter2\ndnpass = hunter2\n", "test.conf", KEYS))
                .hasMessage("test.conf dnpass: set twice");
    }
}
