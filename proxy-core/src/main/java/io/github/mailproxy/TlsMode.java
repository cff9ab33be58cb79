package io.github.mailproxy;

/**
 * How a listener (or a backend connection) uses TLS.
 */
public enum TlsMode {
    /** No TLS at all; STARTTLS/STLS is not offered. */
    PLAIN,
    /** Plaintext first; the client may upgrade with STARTTLS (IMAP) or STLS (POP3). */
    STARTTLS,
    /** TLS from the first byte (ports 993 and 995, RFC 8314). */
    IMPLICIT
}
