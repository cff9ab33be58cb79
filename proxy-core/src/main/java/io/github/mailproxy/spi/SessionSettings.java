package io.github.mailproxy.spi;

/**
 * Limits and options of a session, as configured on the server builder.
 *
 * @param maxLineLength     longest pre-login command line, in bytes, without CRLF
 * @param maxLiteralSize    largest pre-login IMAP literal, in bytes
 * @param maxBadCommands    bad commands before the client is disconnected
 * @param backendTrusted    whether the backend trusts the proxy to forward the client's address
 *                          (IMAP {@code ID}, POP3 {@code XCLIENT})
 * @param proxyTtl          the TTL sent to trusted backends to stop proxy loops
 */
public record SessionSettings(int maxLineLength, int maxLiteralSize, int maxBadCommands,
                              boolean backendTrusted, int proxyTtl) {
}
