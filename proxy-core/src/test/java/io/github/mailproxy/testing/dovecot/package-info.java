/**
 * Test support: {@link io.github.mailproxy.testing.dovecot.PrivateDovecot} runs a private Dovecot 2.3
 * (own configuration, base_dir, log, Maildirs and loopback ports under a temporary directory) for
 * interop tests, with users in a {@code {SHA512-CRYPT}} passwd-file, a master user and trusted loopback.
 * JDK only; the IMAP and POP3 modules use it through proxy-core's test-jar.
 */
package io.github.mailproxy.testing.dovecot;
