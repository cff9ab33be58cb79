package io.github.mailproxy;

/**
 * Where plaintext authentication (LOGIN, PLAIN, USER/PASS) is allowed, as Dovecot's
 * {@code disable_plaintext_auth}. Where it is not, IMAP advertises {@code LOGINDISABLED} and no
 * plaintext mechanism, and POP3 offers neither USER nor plaintext SASL.
 */
public enum PlaintextAuth {
    /** On every connection, encrypted or not. */
    ALWAYS,
    /** On encrypted connections and on connections from a loopback address (the default). */
    TLS_OR_LOOPBACK,
    /** On encrypted connections only. */
    TLS_ONLY
}
