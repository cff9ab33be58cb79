package io.github.mailproxy.junit;

import io.github.mailproxy.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the {@link TestKitOnly} classes saw while they ran, for their outer test to check afterwards. */
final class Probe {

    /** One sighting of a running proxy. */
    record Seen(ProxyServer server, int imapPort) {
    }

    private static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

    private Probe() {
    }

    static void clear() {
        SEEN.clear();
    }

    static void see(ProxyExtension proxy) {
        SEEN.add(new Seen(proxy.server(), proxy.imapPort()));
    }

    static List<Seen> seen() {
        return List.copyOf(SEEN);
    }

    /** @return whether something accepts connections on the port, i.e. the proxy there still listens */
    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
