package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilityFilterTest {

    private static final List<String> CAPS = List.of("IMAP4rev1", "COMPRESS=DEFLATE", "AUTH=PLAIN", "AUTH=LOGIN", "IDLE");

    @Test
    void removesExactNamesCaseInsensitively() {
        assertThat(CapabilityFilter.remove("compress=deflate").filter(CapabilityFilter.Phase.POST_LOGIN, "imap", CAPS))
                .containsExactly("IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN", "IDLE");
    }

    @Test
    void aBareNameRemovesItsValuedForms() {
        assertThat(CapabilityFilter.remove("AUTH").filter(CapabilityFilter.Phase.PRE_LOGIN, "imap", CAPS))
                .containsExactly("IMAP4rev1", "COMPRESS=DEFLATE", "IDLE");
    }

    @Test
    void removesPop3CapabilitiesWithArguments() {
        assertThat(CapabilityFilter.remove("SASL").filter(CapabilityFilter.Phase.PRE_LOGIN, "pop3",
                List.of("USER", "SASL PLAIN LOGIN", "TOP"))).containsExactly("USER", "TOP");
    }

    @Test
    void filtersCompose() {
        CapabilityFilter f = CapabilityFilter.remove("IDLE").andThen(CapabilityFilter.remove("AUTH"));
        assertThat(f.filter(CapabilityFilter.Phase.POST_LOGIN, "imap", CAPS)).containsExactly("IMAP4rev1", "COMPRESS=DEFLATE");
        assertThat(CapabilityFilter.identity().filter(CapabilityFilter.Phase.POST_LOGIN, "imap", CAPS)).isEqualTo(CAPS);
    }
}
