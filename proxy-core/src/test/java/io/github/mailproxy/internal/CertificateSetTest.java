package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a server name matches a name or wildcard of a key (the sockets' view is ServerCertificatesTest). */
class CertificateSetTest {

    @Test
    void aWildcardCoversExactlyOneLabel() {
        assertThat(CertificateSet.wildcardCovers("*.example.com", "imap.example.com")).isTrue();
        assertThat(CertificateSet.wildcardCovers("*.example.com", "a.b.example.com")).isFalse();
        assertThat(CertificateSet.wildcardCovers("*.example.com", "example.com")).isFalse();
        assertThat(CertificateSet.wildcardCovers("*.example.com", ".example.com")).isFalse();
        assertThat(CertificateSet.wildcardCovers("*.example.com", "imapexample.com")).isFalse();
        assertThat(CertificateSet.wildcardCovers("imap.example.com", "imap.example.com")).as("not a wildcard").isFalse();
    }

    @Test
    void namesCompareWithoutCaseOrTrailingDot() {
        assertThat(CertificateSet.normalise("IMAP.Example.COM.")).isEqualTo("imap.example.com");
        assertThat(CertificateSet.wildcardCovers(CertificateSet.normalise("*.EXAMPLE.com"),
                CertificateSet.normalise("Mail.example.COM."))).isTrue();
    }
}
