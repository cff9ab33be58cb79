/**
 * Test support: {@link io.github.mailproxy.imap.dovecot.PrivateDovecot} runs a private Dovecot 2.3
 * (own configuration, base_dir, log, Maildirs and loopback ports under a temporary directory) for
 * interop tests, with users in a {@code {SHA512-CRYPT}} passwd-file, a master user and trusted loopback.
 * JDK only, so that other modules (POP3) can copy it as it is.
 */
package io.github.mailproxy.imap.dovecot;
