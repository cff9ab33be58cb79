/**
 * A JUnit 5 extension that runs a mailproxy in front of a test mail server:
 * {@link io.github.mailproxy.junit.ProxyExtension}.
 */
module io.github.mailproxy.junit {
    exports io.github.mailproxy.junit;

    requires transitive io.github.mailproxy.core;
    requires transitive org.junit.jupiter.api;
    requires io.github.mailproxy.imap;
    requires io.github.mailproxy.pop3;
}
