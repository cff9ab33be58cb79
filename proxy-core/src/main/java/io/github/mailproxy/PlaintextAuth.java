package io.github.mailproxy;

/**
 * Where plaintext authentication (LOGIN, PLAIN, USER/PASS) is allowed, as Dovecot's
 * {@code disable_plaintext_auth}. Where it is not, IMAP advertises {@code LOGINDISABLED} and no
 * plaintext mechanism, and POP3 offers neither USER nor plaintext SASL.
 */
public enum PlaintextAuth {
    /** On every connection, encrypted or not. */
    ALWAYS,
    /**
     * On encrypted connections, connections from a loopback address and from the login trusted
     * networks (the default; Dovecot's {@code disable_plaintext_auth = yes}, whose "secured" includes
     * {@code login_trusted_networks}).
     */
    TLS_OR_LOOPBACK,
    /** On encrypted connections only. */
    TLS_ONLY
}
