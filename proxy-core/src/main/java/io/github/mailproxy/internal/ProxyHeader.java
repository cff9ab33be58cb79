package io.github.mailproxy.internal;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * What a PROXY protocol header (HAProxy's, version 1 or 2) says of a connection: the client and the
 * address it connected to at the balancer, whether it used TLS there and which server name it asked
 * for. A header that names no addresses (v2 {@code LOCAL}, such as HAProxy's health checks; v1
 * {@code UNKNOWN}; v2 {@code UNSPEC}) leaves the connection's own addresses in force: then
 * {@link #source()} is {@code null}. Made by {@link ProxyHeaderParser}; written to backends by
 * {@link #toV2()}.
 *
 * @param source      the client's address and port, or {@code null} when the header names none
 * @param destination the address and port the client connected to, or {@code null} with {@code source}
 * @param ssl         whether the client used TLS to the balancer (v2 {@code PP2_TYPE_SSL}, client bit)
 * @param authority   the server name the client asked for (v2 {@code PP2_TYPE_AUTHORITY}, TLS SNI), or {@code null}
 */
record ProxyHeader(InetSocketAddress source, InetSocketAddress destination, boolean ssl, String authority) {

    /** The v2 signature: the first 12 bytes of every version 2 header. */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final int PP2_TYPE_AUTHORITY = 0x02;
    static final int PP2_TYPE_CRC32C = 0x03;
    static final int PP2_TYPE_SSL = 0x20;
    static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
    static final int PP2_CLIENT_SSL = 0x01;

    /** A header that names no addresses: the connection's own are used. */
    static final ProxyHeader LOCAL = new ProxyHeader(null, null, false, null);

    /** Checks that both addresses or neither are given. */
    ProxyHeader {
        if ((source == null) != (destination == null)) {
            throw new IllegalArgumentException("source and destination: both or neither");
        }
    }

    /** @return whether the header names the client: otherwise the connection's own addresses stand */
    boolean proxied() {
        return source != null;
    }

    /**
     * The version 2 header of a proxied TCP connection, as sent to a backend: {@code PROXY} command,
     * TCP over IPv4 when both addresses are IPv4, else over IPv6 (an IPv4 address then written
     * IPv4-mapped), and a {@code PP2_TYPE_SSL} TLV with the client bit and the version {@code TLS}
     * when {@link #ssl()}. The authority, when known, goes along as {@code PP2_TYPE_AUTHORITY}.
     *
     * @return the header's bytes
     * @throws IllegalStateException if the header names no addresses
     */
    byte[] toV2() {
        if (!proxied()) {
            throw new IllegalStateException("a LOCAL header has no addresses to send");
        }
        boolean v4 = source.getAddress() instanceof Inet4Address && destination.getAddress() instanceof Inet4Address;
        ByteArrayOutputStream body = new ByteArrayOutputStream(64);
        body.writeBytes(bytes(source.getAddress(), v4));
        body.writeBytes(bytes(destination.getAddress(), v4));
        short16(body, source.getPort());
        short16(body, destination.getPort());
        if (ssl) {
            byte[] version = "TLS".getBytes(StandardCharsets.US_ASCII);
            body.write(PP2_TYPE_SSL);
            short16(body, 5 + 3 + version.length);
            body.write(PP2_CLIENT_SSL);
            body.writeBytes(new byte[4]);  // verify: 0, no client certificate was asked for
            body.write(PP2_SUBTYPE_SSL_VERSION);
            short16(body, version.length);
            body.writeBytes(version);
        }
        if (authority != null) {
            byte[] name = authority.getBytes(StandardCharsets.UTF_8);
            body.write(PP2_TYPE_AUTHORITY);
            short16(body, name.length);
            body.writeBytes(name);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + body.size());
        out.writeBytes(V2_SIGNATURE);
        out.write(0x21);                  // version 2, PROXY
        out.write(v4 ? 0x11 : 0x21);      // TCP over IPv4 / IPv6
        short16(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] bytes(InetAddress address, boolean v4) {
        byte[] raw = address.getAddress();
        if (v4 || raw.length == 16) {
            return raw;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    private static void short16(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8 & 0xff);
        out.write(value & 0xff);
    }

    /**
     * @param header      a whole v2 header whose CRC32C TLV value starts at {@code valueOffset}
     * @param length      the header's length
     * @param valueOffset where the 4 checksum bytes are
     * @return the CRC32C of the header with those 4 bytes taken as zero (proxy-protocol.txt 2.2.3)
     */
    static int crc32c(byte[] header, int length, int valueOffset) {
        CRC32C crc = new CRC32C();
        crc.update(header, 0, valueOffset);
        crc.update(new byte[4]);
        crc.update(header, valueOffset + 4, length - valueOffset - 4);
        return (int) crc.getValue();
    }

    @Override
    public String toString() {
        return proxied()
                ? "ProxyHeader[" + Text.address(source) + " -> " + Text.address(destination) + (ssl ? ", ssl" : "")
                        + (authority != null ? ", authority=" + Text.printable(authority) : "") + "]"
                : "ProxyHeader[LOCAL]";
    }
}
