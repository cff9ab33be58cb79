package io.github.mailproxy.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What per-address limits and penalties count as "one address": an IPv4 address, or the /64 an IPv6
 * address belongs to. A single IPv6 host usually holds a whole /64 and may pick a fresh address for
 * every connection, so counting full IPv6 addresses would let it dodge every per-address rule.
 */
final class AddressKey {

    /** The prefix an IPv6 subscriber is typically given; RFC 6177 recommends at least this much. */
    private static final int IPV6_PREFIX_BYTES = 8;

    private AddressKey() {
    }

    /**
     * @param address a client's address, or {@code null}
     * @return the address itself for IPv4, its /64 network address for IPv6, {@code null} for {@code null}
     */
    static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        for (int i = IPV6_PREFIX_BYTES; i < bytes.length; i++) {
            bytes[i] = 0;
        }
        try {
            return InetAddress.getByAddress(bytes);  // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
