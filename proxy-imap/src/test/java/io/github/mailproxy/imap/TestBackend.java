package io.github.mailproxy.imap;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** GreenMail as the IMAP backend of end-to-end tests, on 127.0.0.1 and a free port. */
final class TestBackend {

    private TestBackend() {
    }

    /** @return a started GreenMail with an IMAP server only */
    static GreenMail startGreenMail() {
        GreenMail greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort());
        greenMail.start();
        return greenMail;
    }

    /** @return the IMAP port of a started GreenMail */
    static int imapPort(GreenMail greenMail) {
        return greenMail.getImap().getPort();
    }

    /** @return a port nobody listens on (bound and released again) */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
