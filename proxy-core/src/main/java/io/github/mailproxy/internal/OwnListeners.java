package io.github.mailproxy.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.mailproxy.Listener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;

/**
 * Tells whether a backend address is one of this server's own listeners: connecting there would be
 * a proxy loop. A listener on a wildcard address matches any address of this host, loopback
 * included. Thread-safe.
 */
final class OwnListeners {

    private final List<Listener> listeners;
    private final List<Integer> boundPorts;
    /** Whether an address is one of this host's: asked of the OS at most once a minute per address. */
    private final Cache<InetAddress, Boolean> localAddresses =
            Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(1)).maximumSize(1024).build();

    /**
     * @param listeners  the configured listeners
     * @param boundPorts their bound ports, index for index (read when asked: filled in by start)
     */
    OwnListeners(List<Listener> listeners, List<Integer> boundPorts) {
        this.listeners = listeners;
        this.boundPorts = boundPorts;
    }

    /**
     * @param address a resolved backend address
     * @return whether it is one of the bound listening addresses
     */
    boolean contains(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return false;
        }
        for (int i = 0; i < boundPorts.size() && i < listeners.size(); i++) {
            if (boundPorts.get(i) != address.getPort()) {
                continue;
            }
            InetAddress bound = listeners.get(i).address().getAddress();
            if ((bound == null || bound.isAnyLocalAddress()) ? isLocalAddress(ip) : bound.equals(ip)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param ip   an address
     * @param port a port, or 0 for any
     * @return whether a listener is bound there (a wildcard listener: to any address of this host)
     */
    boolean contains(InetAddress ip, int port) {
        if (port != 0) {
            return contains(new InetSocketAddress(ip, port));
        }
        for (int i = 0; i < boundPorts.size() && i < listeners.size(); i++) {
            if (contains(new InetSocketAddress(ip, boundPorts.get(i)))) {
                return true;
            }
        }
        return false;
    }

    private boolean isLocalAddress(InetAddress ip) {
        if (ip.isLoopbackAddress() || ip.isAnyLocalAddress()) {
            return true;
        }
        // only asked when the port is one of ours, which real backends elsewhere rarely share
        return localAddresses.get(ip, a -> {
            try {
                return NetworkInterface.getByInetAddress(a) != null;
            } catch (SocketException e) {
                return false;
            }
        });
    }
}
