package io.github.mailproxy.spi;

/**
 * Limits and options of a session, as configured on the server builder.
 *
 * @param maxLineLength     longest pre-login command line, in bytes, without CRLF
 * @param maxLiteralSize    largest pre-login IMAP literal, in bytes
 * @param maxBadCommands    bad commands before the client is disconnected
 * @param backendTrusted    whether to forward the client's address when the backend offers it
 *                          (IMAP {@code ID}, POP3 {@code XCLIENT}); a target's
 *                          {@link io.github.mailproxy.BackendTarget#forwardClient()} can turn it off
 *                          for one login
 * @param proxyTtl          the TTL sent to trusted backends to stop proxy loops
 */
public record SessionSettings(int maxLineLength, int maxLiteralSize, int maxBadCommands,
                              boolean backendTrusted, int proxyTtl) {
}
