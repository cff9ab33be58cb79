package io.github.mailproxy.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one PROXY protocol header, version 1 (text) or 2 (binary), as HAProxy's
 * {@code proxy-protocol.txt} defines them, from bytes that may arrive split anywhere.
 *
 * <p>It never takes a byte past the header: {@link #wanted()} says how many bytes may be read now
 * without reaching into what follows (a TLS ClientHello, say), so the caller reads at most that
 * much from the socket and everything after the header stays there for the next reader. Memory is
 * bounded: a version 1 line is at most {@value #MAX_V1_LINE} bytes with its CRLF, a version 2
 * header at most 16 + {@value #MAX_V2_LENGTH} bytes; anything longer is refused.
 *
 * <p>What is refused ({@link Malformed}, whose {@link Malformed#reason()} is a short token): a first
 * byte that starts neither version; a v1 line that is not exactly {@code PROXY TCP4|TCP6 src dst
 * sport dport} or {@code PROXY UNKNOWN ...} with single spaces, canonical addresses and ports, and a
 * CRLF within 107 bytes; a v2 header with another signature, version or command, an invalid family or
 * transport, an address block too short for its family, a TLV that runs past the header, an
 * authority that is not a host name in UTF-8, or a CRC32C that does not match. A v2 {@code PROXY}
 * over UDP or UNIX sockets, or {@code UNSPEC}, is taken as naming no addresses, as the
 * specification allows.
 *
 * <p>Not thread-safe; one parser per connection.
 */
final class ProxyHeaderParser {

    /** The longest v1 line, CRLF included ({@code PROXY UNKNOWN} with two full IPv6 addresses). */
    static final int MAX_V1_LINE = 107;
    /** The largest v2 address block with its TLVs: HAProxy's headers with SSL details stay far below. */
    static final int MAX_V2_LENGTH = 2048;
    /** The shortest v1 line, {@code PROXY UNKNOWN\r\n}: what may be read before the version is known. */
    private static final int MIN_V1_LINE = 15;
    private static final int V2_FIXED = 16;
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_AUTHORITY = 255;

    /** A header that breaks the protocol: the connection is to be dropped without a word. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        Malformed(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        /** @return a short token naming what is wrong, for a log line */
        String reason() {
            return reason;
        }
    }

    private byte[] buf = new byte[V2_FIXED];
    private int length;
    /** 0 until the first byte, then 1 or 2. */
    private int version;
    /** v1: spaces seen so far; the family token ends at the second. */
    private int spaces;
    /** v2: the whole header's length, once its fixed part is read. */
    private int v2Total;
    private ProxyHeader header;

    /** @return whether the header is complete ({@link #header()} holds it) */
    boolean done() {
        return header != null;
    }

    /** @return the header, once {@link #done()} */
    ProxyHeader header() {
        return header;
    }

    /**
     * How many bytes may be read now without reading past the end of the header, whatever it turns
     * out to say: at least 1 until the header is complete, then 0.
     *
     * @return the number of bytes to offer next, at most
     */
    int wanted() {
        if (header != null) {
            return 0;
        }
        if (version == 0) {
            return MIN_V1_LINE;
        }
        if (version == 2) {
            return length < V2_FIXED ? V2_FIXED - length : v2Total - length;
        }
        if (length < MIN_V1_LINE) {
            return MIN_V1_LINE - length;
        }
        if (buf[length - 1] == '\r') {
            return 1;
        }
        // a TCP line still needs a space and a character for each field to come, and the CRLF
        int fieldsLeft = 5 - spaces;
        boolean tcp = spaces >= 2 && (startsWith("PROXY TCP4 ") || startsWith("PROXY TCP6 "));
        return tcp && fieldsLeft > 0 ? 2 * fieldsLeft + 2 : 2;
    }

    /**
     * Takes bytes of the header from {@code src}, at most {@link #wanted()} of them, and parses the
     * header once it is complete.
     *
     * @param src bytes in read mode; its position advances past the bytes taken
     * @return the header when complete, else {@code null}
     * @throws Malformed if the bytes cannot be (the start of) a valid header
     */
    ProxyHeader offer(ByteBuffer src) throws Malformed {
        while (header == null && src.hasRemaining()) {
            int take = Math.min(wanted(), src.remaining());
            for (int i = 0; i < take && header == null; i++) {
                accept(src.get());
            }
        }
        return header;
    }

    private void accept(byte b) throws Malformed {
        if (length == buf.length) {
            buf = Arrays.copyOf(buf, version == 2 ? v2Total : MAX_V1_LINE);
        }
        int at = length;
        buf[length++] = b;
        if (at == 0) {
            if (b == V1_PREFIX[0]) {
                version = 1;
            } else if (b == ProxyHeader.V2_SIGNATURE[0]) {
                version = 2;
            } else {
                throw new Malformed("not-a-proxy-header");
            }
            return;
        }
        if (version == 1) {
            acceptV1(b, at);
        } else {
            acceptV2(b, at);
        }
    }

    // ---- version 1 ----

    private void acceptV1(byte b, int at) throws Malformed {
        if (at < V1_PREFIX.length) {
            if (b != V1_PREFIX[at]) {
                throw new Malformed("not-a-proxy-header");
            }
            if (b == ' ') {
                spaces++;
            }
            return;
        }
        byte previous = buf[at - 1];
        if (previous == '\r' && b != '\n') {
            throw new Malformed("v1-bare-cr");
        }
        if (b == '\n') {
            if (previous != '\r') {
                throw new Malformed("v1-bare-lf");
            }
            header = parseV1();
            return;
        }
        if (b == ' ') {
            spaces++;
        } else if (b != '\r' && (b < 0x21 || b > 0x7e)) {
            throw new Malformed("v1-bad-character");
        }
        if (length >= MAX_V1_LINE) {
            throw new Malformed("v1-too-long");
        }
    }

    private boolean startsWith(String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buf[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private ProxyHeader parseV1() throws Malformed {
        String line = new String(buf, 0, length - 2, StandardCharsets.US_ASCII);
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            return ProxyHeader.LOCAL;  // the rest of the line is to be ignored
        }
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            throw new Malformed("v1-bad-line");
        }
        boolean v4 = f[1].equals("TCP4");
        InetAddress src = v4 ? ipv4(f[2]) : ipv6(f[2]);
        InetAddress dst = v4 ? ipv4(f[3]) : ipv6(f[3]);
        return new ProxyHeader(new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5])),
                false, null);
    }

    private static InetAddress ipv4(String s) throws Malformed {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new Malformed("v1-bad-address");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = decimal(parts[i], 3, "v1-bad-address");
            if (value > 255) {
                throw new Malformed("v1-bad-address");
            }
            bytes[i] = (byte) value;
        }
        return address(bytes);
    }

    private static InetAddress ipv6(String s) throws Malformed {
        if (s.length() < 2 || s.length() > 39 || s.indexOf(':') < 0
                || !s.chars().allMatch(c -> c == ':' || Character.digit(c, 16) >= 0)) {
            throw new Malformed("v1-bad-address");
        }
        try {
            return InetAddress.getByName(s);  // hex digits and colons: a literal, never a lookup
        } catch (UnknownHostException e) {
            throw new Malformed("v1-bad-address");
        }
    }

    private static int port(String s) throws Malformed {
        int value = decimal(s, 5, "v1-bad-port");
        if (value > 65535) {
            throw new Malformed("v1-bad-port");
        }
        return value;
    }

    /** A decimal number without leading zeros (octal confusion) of at most {@code digits} digits. */
    private static int decimal(String s, int digits, String reason) throws Malformed {
        if (s.isEmpty() || s.length() > digits || (s.length() > 1 && s.charAt(0) == '0')
                || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed(reason);
        }
        return Integer.parseInt(s);
    }

    // ---- version 2 ----

    private void acceptV2(byte b, int at) throws Malformed {
        if (at < ProxyHeader.V2_SIGNATURE.length) {
            if (b != ProxyHeader.V2_SIGNATURE[at]) {
                throw new Malformed("not-a-proxy-header");
            }
        } else if (at == 12) {
            if ((b & 0xf0) != 0x20) {
                throw new Malformed("v2-bad-version");
            }
            if ((b & 0x0f) > 1) {
                throw new Malformed("v2-bad-command");
            }
        } else if (at == 13) {
            if ((b >> 4 & 0x0f) > 3 || (b & 0x0f) > 2) {
                throw new Malformed("v2-bad-family");
            }
        } else if (at == 15) {
            int len = (buf[14] & 0xff) << 8 | (b & 0xff);
            if (len > MAX_V2_LENGTH) {
                throw new Malformed("v2-too-long");
            }
            v2Total = V2_FIXED + len;
        }
        if (at >= 15 && length == v2Total) {
            header = parseV2();
        }
    }

    private ProxyHeader parseV2() throws Malformed {
        boolean local = (buf[12] & 0x0f) == 0;
        int familyAndTransport = buf[13] & 0xff;
        int addressLength = familyAndTransport == 0x11 ? 12 : familyAndTransport == 0x21 ? 36 : -1;
        if (local || addressLength < 0) {
            return ProxyHeader.LOCAL;  // health checks; unsupported families fall back to UNSPEC
        }
        int body = v2Total - V2_FIXED;
        if (body < addressLength) {
            throw new Malformed("v2-short-address");
        }
        int size = addressLength == 12 ? 4 : 16;
        InetAddress src = address(Arrays.copyOfRange(buf, V2_FIXED, V2_FIXED + size));
        InetAddress dst = address(Arrays.copyOfRange(buf, V2_FIXED + size, V2_FIXED + 2 * size));
        int ports = V2_FIXED + 2 * size;
        InetSocketAddress source = new InetSocketAddress(src, u16(ports));
        InetSocketAddress destination = new InetSocketAddress(dst, u16(ports + 2));
        boolean ssl = false;
        String authority = null;
        int off = V2_FIXED + addressLength;
        while (off < v2Total) {
            if (v2Total - off < 3) {
                throw new Malformed("v2-truncated-tlv");
            }
            int type = buf[off] & 0xff;
            int len = u16(off + 1);
            int value = off + 3;
            if (value + len > v2Total) {
                throw new Malformed("v2-truncated-tlv");
            }
            switch (type) {
                case ProxyHeader.PP2_TYPE_SSL -> ssl = ssl(value, len);
                case ProxyHeader.PP2_TYPE_AUTHORITY -> authority = authority(value, len);
                case ProxyHeader.PP2_TYPE_CRC32C -> checkCrc(value, len);
                default -> {
                    // ALPN, NOOP, UNIQUE_ID, NETNS and application types: not needed here
                }
            }
            off = value + len;
        }
        return new ProxyHeader(source, destination, ssl, authority);
    }

    /** {@code PP2_TYPE_SSL}: client flags (1 byte), verify (4), then sub-TLVs that must fit exactly. */
    private boolean ssl(int value, int len) throws Malformed {
        if (len < 5) {
            throw new Malformed("v2-bad-ssl-tlv");
        }
        int end = value + len;
        for (int off = value + 5; off < end; ) {
            if (end - off < 3 || off + 3 + u16(off + 1) > end) {
                throw new Malformed("v2-bad-ssl-tlv");
            }
            off += 3 + u16(off + 1);
        }
        return (buf[value] & ProxyHeader.PP2_CLIENT_SSL) != 0;
    }

    private String authority(int value, int len) throws Malformed {
        if (len == 0 || len > MAX_AUTHORITY) {
            throw new Malformed("v2-bad-authority");
        }
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, value, len));
        } catch (CharacterCodingException e) {
            throw new Malformed("v2-bad-authority");
        }
        String name = chars.toString();
        // a host name: no spaces, controls, or characters a log or a query would take for syntax
        if (!name.codePoints().allMatch(c -> c > 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)
                && c != '\'' && c != '"' && c != '\\' && c != '%' && !Character.isWhitespace(c))) {
            throw new Malformed("v2-bad-authority");
        }
        return name;
    }

    private void checkCrc(int value, int len) throws Malformed {
        if (len != 4) {
            throw new Malformed("v2-bad-crc32c");
        }
        int sent = u16(value) << 16 | u16(value + 2);
        if (sent != ProxyHeader.crc32c(buf, v2Total, value)) {
            throw new Malformed("v2-bad-crc32c");
        }
    }

    private int u16(int at) {
        return (buf[at] & 0xff) << 8 | (buf[at + 1] & 0xff);
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);  // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }
}
