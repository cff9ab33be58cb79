package io.github.mailproxy.imap;

import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeClientSession;
import java.net.InetSocketAddress;

/**
 * The in-memory session of the IMAP handler tests: session {@code s1} from 192.0.2.7:40001 to
 * 198.51.100.1:143, with small limits. Failure-delayed replies run at once unless a test sets
 * {@link #holdFailureReplies}.
 */
final class ImapFakeSession extends FakeClientSession {

    ImapFakeSession() {
        super("imap", "s1", new InetSocketAddress("192.0.2.7", 40001), new InetSocketAddress("198.51.100.1", 143),
                new SessionSettings(100, 50, 5, false, 5));
        loginProtocol = ImapProtocol.instance();
    }
}
