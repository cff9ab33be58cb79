package io.github.mailproxy.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of networks in CIDR form ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address),
 * as Dovecot's {@code login_trusted_networks}. Immutable.
 */
public final class NetworkList {

    private static final NetworkList EMPTY = new NetworkList(List.of());

    private record Network(byte[] prefix, int bits) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    private final List<Network> networks;

    private NetworkList(List<Network> networks) {
        this.networks = networks;
    }

    /** @return the list that contains nothing */
    public static NetworkList empty() {
        return EMPTY;
    }

    /**
     * @param cidrs networks such as {@code 192.168.0.0/16}, {@code ::1} or {@code 2001:db8::/48};
     *              address literals only, never host names (no lookups)
     * @return the list
     * @throws IllegalArgumentException naming the entry that is not a network
     */
    public static NetworkList parse(List<String> cidrs) {
        List<Network> list = new ArrayList<>();
        for (String cidr : cidrs) {
            list.add(network(cidr.trim()));
        }
        return new NetworkList(List.copyOf(list));
    }

    private static Network network(String cidr) {
        int slash = cidr.indexOf('/');
        String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        InetAddress literal = literal(addr);
        if (literal == null) {
            throw new IllegalArgumentException("not an IP address or network: " + Text.printable(cidr));
        }
        byte[] bytes = literal.getAddress();
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length in " + Text.printable(cidr));
            }
        }
        return new Network(bytes, bits);
    }

    /**
     * Reads an IP address literal without ever looking a name up.
     *
     * @param text {@code 192.0.2.1}, {@code 2001:db8::1} or {@code [2001:db8::1]}
     * @return the address, or {@code null} when the text is not an address literal (a host name)
     */
    public static InetAddress literal(String text) {
        String addr = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean v6 = addr.indexOf(':') >= 0;
        if (addr.isEmpty() || !(v6 || addr.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')))) {
            return null;
        }
        try {
            // bracketed, an IPv6 literal is parsed or refused, never looked up
            return InetAddress.getByName(v6 ? "[" + addr + "]" : addr);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * @param address an address, or {@code null}
     * @return whether one of the networks holds it (an IPv4-mapped IPv6 address counts as IPv4)
     */
    public boolean contains(InetAddress address) {
        if (address == null || networks.isEmpty()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (Network n : networks) {
            if (n.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the list holds no network */
    public boolean isEmpty() {
        return networks.isEmpty();
    }
}
