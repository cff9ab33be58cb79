/**
 * IMAP for mailproxy: {@link io.github.mailproxy.imap.ImapProtocol} makes IMAP listeners.
 */
module io.github.mailproxy.imap {
    exports io.github.mailproxy.imap;

    requires transitive io.github.mailproxy.core;
    requires org.slf4j;
}
