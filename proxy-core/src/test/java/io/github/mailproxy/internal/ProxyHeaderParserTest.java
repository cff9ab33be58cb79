package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The PROXY protocol header parser against proxy-protocol.txt: every header is also fed split at every
 * byte and one byte at a time, followed by bytes of the next protocol, which must stay unread.
 */
class ProxyHeaderParserTest {

    /** What follows a header on the wire, here a TLS ClientHello's first bytes: never to be consumed. */
    private static final byte[] NEXT = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A v2 header: signature, version/command, family, length, then the body as given. */
    private static byte[] v2(int verCmd, int family, byte[] body) {
        return concat(ProxyHeader.V2_SIGNATURE, new byte[] {(byte) verCmd, (byte) family,
                (byte) (body.length >> 8), (byte) body.length}, body);
    }

    /** @return a v2 LOCAL header, as HAProxy's health checks send */
    static byte[] localV2() {
        return v2(0x20, 0x00, new byte[0]);
    }

    private static byte[] tlv(int type, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (value.length >> 8), (byte) value.length}, value);
    }

    private static final byte[] TCP4_BODY = HexFormat.of().parseHex("c0000207" + "c6336401" + "d431" + "008f");

    /**
     * Parses a header fed in every way: whole with what follows, split at every byte, and read as a
     * socket would be read by the session (never more than {@link ProxyHeaderParser#wanted()}), checking
     * that wanted never reaches past the header. All must agree.
     */
    private static ProxyHeader parse(byte[] header) throws ProxyHeaderParser.Malformed {
        ByteBuffer whole = ByteBuffer.wrap(concat(header, NEXT));
        ProxyHeaderParser p = new ProxyHeaderParser();
        ProxyHeader expected = p.offer(whole);
        assertThat(expected).as("complete header").isNotNull();
        assertThat(whole.remaining()).as("bytes after the header left unread").isEqualTo(NEXT.length);
        for (int split = 1; split < header.length; split++) {
            ProxyHeaderParser q = new ProxyHeaderParser();
            assertThat(q.offer(ByteBuffer.wrap(header, 0, split))).as("incomplete at %d", split).isNull();
            assertThat(q.done()).isFalse();
            ByteBuffer rest = ByteBuffer.wrap(concat(Arrays.copyOfRange(header, split, header.length), NEXT));
            assertThat(q.offer(rest)).as("split at %d", split).isEqualTo(expected);
            assertThat(rest.remaining()).isEqualTo(NEXT.length);
        }
        ProxyHeaderParser r = new ProxyHeaderParser();
        int consumed = 0;
        while (!r.done()) {
            int wanted = r.wanted();
            assertThat(wanted).as("wanted after %d bytes", consumed).isPositive().isLessThanOrEqualTo(header.length - consumed);
            r.offer(ByteBuffer.wrap(header, consumed, wanted));
            consumed += wanted;
        }
        assertThat(r.header()).isEqualTo(expected);
        assertThat(r.wanted()).isZero();
        ProxyHeaderParser oneByOne = new ProxyHeaderParser();
        for (byte b : header) {
            oneByOne.offer(ByteBuffer.wrap(new byte[] {b}));
        }
        assertThat(oneByOne.header()).isEqualTo(expected);
        return expected;
    }

    /** Asserts the input is refused, whole and byte by byte, with the reason given. */
    private static void assertRefused(byte[] input, String reason) {
        assertThatThrownBy(() -> new ProxyHeaderParser().offer(ByteBuffer.wrap(input)))
                .isInstanceOf(ProxyHeaderParser.Malformed.class)
                .satisfies(e -> assertThat(((ProxyHeaderParser.Malformed) e).reason()).isEqualTo(reason));
        assertThatThrownBy(() -> {
            ProxyHeaderParser p = new ProxyHeaderParser();
            for (byte b : input) {
                p.offer(ByteBuffer.wrap(new byte[] {b}));
            }
        }).isInstanceOf(ProxyHeaderParser.Malformed.class);
    }

    // ---- version 1 ----

    @Test
    void v1Tcp4NamesTheClientAndTheAddressItConnectedTo() throws Exception {
        ProxyHeader h = parse(ascii("PROXY TCP4 192.0.2.7 198.51.100.1 54321 143\r\n"));
        assertThat(h.source()).isEqualTo(at("192.0.2.7", 54321));
        assertThat(h.destination()).isEqualTo(at("198.51.100.1", 143));
        assertThat(h.ssl()).isFalse();
        assertThat(h.authority()).isNull();
    }

    @Test
    void v1Tcp4AtItsLongestAndShortest() throws Exception {
        assertThat(parse(ascii("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n")).source())
                .isEqualTo(at("255.255.255.255", 65535));
        assertThat(parse(ascii("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n")).source()).isEqualTo(at("0.0.0.0", 0));
    }

    @Test
    void v1Tcp6InFullAndCompressedForm() throws Exception {
        ProxyHeader h = parse(ascii("PROXY TCP6 2001:db8::7 2001:0db8:0000:0000:0000:0000:0000:0001 40000 993\r\n"));
        assertThat(h.source()).isEqualTo(at("2001:db8::7", 40000));
        assertThat(h.destination()).isEqualTo(at("2001:db8::1", 993));
        String longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        assertThat(parse(ascii("PROXY TCP6 " + longest + " " + longest + " 65535 65535\r\n")).source().getPort())
                .isEqualTo(65535);
    }

    @Test
    void v1UnknownKeepsTheConnectionsOwnAddresses() throws Exception {
        assertThat(parse(ascii("PROXY UNKNOWN\r\n"))).isEqualTo(ProxyHeader.LOCAL);
        String longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] worst = ascii("PROXY UNKNOWN " + longest + " " + longest + " 65535 65535\r\n");
        assertThat(worst).hasSize(ProxyHeaderParser.MAX_V1_LINE);
        assertThat(parse(worst).proxied()).isFalse();
    }

    @Test
    void v1LineLongerThan107BytesIsRefused() {
        String longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        assertRefused(ascii("PROXY UNKNOWN " + longest + " " + longest + " 65535 655350\r\n"), "v1-too-long");
        assertRefused(ascii("PROXY UNKNOWN " + "x".repeat(200)), "v1-too-long");
    }

    @Test
    void v1LinesThatDoNotMatchExactlyAreRefused() {
        for (String line : List.of(
                "PROXY TCP4 192.0.2.7 198.51.100.1 54321\r\n",          // a field missing
                "PROXY TCP4 192.0.2.7 198.51.100.1 54321 143 1\r\n",    // one too many
                "PROXY  TCP4 192.0.2.7 198.51.100.1 54321 143\r\n",     // two spaces
                "PROXY TCP4 192.0.2.7 198.51.100.1 54321 143 \r\n",     // trailing space
                "PROXY TCP5 192.0.2.7 198.51.100.1 54321 143\r\n",      // no such family
                "PROXY tcp4 192.0.2.7 198.51.100.1 54321 143\r\n")) {   // case matters
            assertRefused(ascii(line), "v1-bad-line");
        }
        for (String line : List.of(
                "PROXY TCP4 192.0.2.07 198.51.100.1 54321 143\r\n",     // leading zero: octal confusion
                "PROXY TCP4 192.0.2.256 198.51.100.1 54321 143\r\n",
                "PROXY TCP4 192.0.2 198.51.100.1 54321 143\r\n",
                "PROXY TCP4 2001:db8::7 198.51.100.1 54321 143\r\n",    // family and address disagree
                "PROXY TCP6 192.0.2.7 2001:db8::1 54321 143\r\n",
                "PROXY TCP6 2001:db8:::7 2001:db8::1 54321 143\r\n",
                "PROXY TCP6 example 2001:db8::1 54321 143\r\n")) {      // a name: never looked up
            assertRefused(ascii(line), "v1-bad-address");
        }
        for (String line : List.of(
                "PROXY TCP4 192.0.2.7 198.51.100.1 054321 143\r\n",
                "PROXY TCP4 192.0.2.7 198.51.100.1 65536 143\r\n",
                "PROXY TCP4 192.0.2.7 198.51.100.1 -1 143\r\n")) {
            assertRefused(ascii(line), "v1-bad-port");
        }
    }

    @Test
    void v1LineEndsOnlyInCrlf() {
        assertRefused(ascii("PROXY TCP4 192.0.2.7 198.51.100.1 54321 143\n"), "v1-bare-lf");
        assertRefused(ascii("PROXY TCP4 192.0.2.7 198.51.100.1 54321 143\rX"), "v1-bare-cr");
        assertRefused(ascii("PROXY TCP4 192.0.2.7\t198.51.100.1 54321 143\r\n"), "v1-bad-character");
        assertRefused(concat(ascii("PROXY UNKNOWN "), new byte[] {0}, ascii("\r\n")), "v1-bad-character");
    }

    @Test
    void anythingElseIsRefusedAtItsFirstWrongByte() {
        assertRefused(ascii("A001 LOGIN alice secret\r\n"), "not-a-proxy-header");
        assertRefused(ascii("PROXI TCP4"), "not-a-proxy-header");
        assertRefused(ascii("proxy TCP4"), "not-a-proxy-header");
        assertRefused(NEXT, "not-a-proxy-header");  // a client speaking TLS straight away
        for (int i = 1; i < ProxyHeader.V2_SIGNATURE.length; i++) {
            byte[] bad = Arrays.copyOf(ProxyHeader.V2_SIGNATURE, ProxyHeader.V2_SIGNATURE.length);
            bad[i] ^= 0x40;
            assertRefused(bad, "not-a-proxy-header");
        }
    }

    @Test
    void truncatedHeadersAreIncompleteNotAccepted() throws Exception {
        for (byte[] header : List.of(ascii("PROXY TCP4 192.0.2.7 198.51.100.1 54321 143\r\n"), v2(0x21, 0x11, TCP4_BODY))) {
            for (int cut = 0; cut < header.length; cut++) {
                ProxyHeaderParser p = new ProxyHeaderParser();
                assertThat(p.offer(ByteBuffer.wrap(header, 0, cut))).isNull();
                assertThat(p.done()).isFalse();
                assertThat(p.wanted()).isPositive();
            }
        }
    }

    // ---- version 2 ----

    @Test
    void v2ProxyOverTcp4() throws Exception {
        ProxyHeader h = parse(v2(0x21, 0x11, TCP4_BODY));
        assertThat(h.source()).isEqualTo(at("192.0.2.7", 54321));
        assertThat(h.destination()).isEqualTo(at("198.51.100.1", 143));
        assertThat(h.ssl()).isFalse();
    }

    @Test
    void v2ProxyOverTcp6() throws Exception {
        byte[] body = concat(InetAddress.getByName("2001:db8::7").getAddress(),
                InetAddress.getByName("2001:db8::1").getAddress(), new byte[] {(byte) 0x9c, 0x40, 0x03, (byte) 0xe1});
        ProxyHeader h = parse(v2(0x21, 0x21, body));
        assertThat(h.source()).isEqualTo(at("2001:db8::7", 40000));
        assertThat(h.destination()).isEqualTo(at("2001:db8::1", 993));
    }

    @Test
    void v2LocalIgnoresWhateverAddressesItCarries() throws Exception {
        assertThat(parse(v2(0x20, 0x00, new byte[0]))).isEqualTo(ProxyHeader.LOCAL);
        assertThat(parse(v2(0x20, 0x11, TCP4_BODY))).isEqualTo(ProxyHeader.LOCAL);
        assertThat(parse(v2(0x20, 0x00, new byte[] {1, 2, 3}))).isEqualTo(ProxyHeader.LOCAL);  // not even TLVs
    }

    @Test
    void v2UnspecUdpAndUnixNameNoAddresses() throws Exception {
        assertThat(parse(v2(0x21, 0x00, new byte[0]))).isEqualTo(ProxyHeader.LOCAL);
        assertThat(parse(v2(0x21, 0x12, TCP4_BODY))).isEqualTo(ProxyHeader.LOCAL);
        assertThat(parse(v2(0x21, 0x31, new byte[216]))).isEqualTo(ProxyHeader.LOCAL);
    }

    @Test
    void v2SslTlvWithTheClientBitSecuresAndAuthorityNamesTheServer() throws Exception {
        byte[] ssl = concat(new byte[] {0x01, 0, 0, 0, 0}, tlv(0x21, ascii("TLSv1.3")), tlv(0x23, ascii("TLS_AES_128_GCM_SHA256")));
        ProxyHeader h = parse(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x02, ascii("imap.example.org")), tlv(0x20, ssl),
                tlv(0x04, new byte[3]), tlv(0x05, ascii("unique-id")), tlv(0xE0, new byte[0]))));
        assertThat(h.ssl()).isTrue();
        assertThat(h.authority()).isEqualTo("imap.example.org");
        assertThat(h.source()).isEqualTo(at("192.0.2.7", 54321));
        // a certificate bit without the SSL bit: not TLS
        assertThat(parse(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x20, new byte[] {0x02, 0, 0, 0, 1})))).ssl()).isFalse();
        assertThat(parse(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x02, "xn--mnchen-3ya.example".getBytes(StandardCharsets.UTF_8)),
                tlv(0x02, "münchen.example".getBytes(StandardCharsets.UTF_8))))).authority()).isEqualTo("münchen.example");
    }

    @Test
    void v2Crc32cIsChecked() throws Exception {
        byte[] header = v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x03, new byte[4])));
        CRC32C crc = new CRC32C();
        crc.update(header);
        int value = (int) crc.getValue();
        int at = header.length - 4;
        header[at] = (byte) (value >>> 24);
        header[at + 1] = (byte) (value >>> 16);
        header[at + 2] = (byte) (value >>> 8);
        header[at + 3] = (byte) value;
        assertThat(parse(header).source()).isEqualTo(at("192.0.2.7", 54321));
        header[16] ^= 1;  // another client address, same checksum
        assertRefused(header, "v2-bad-crc32c");
    }

    @Test
    void v2BadVersionCommandOrFamilyIsRefused() {
        assertRefused(v2(0x11, 0x11, TCP4_BODY), "v2-bad-version");
        assertRefused(v2(0x31, 0x11, TCP4_BODY), "v2-bad-version");
        assertRefused(v2(0x22, 0x11, TCP4_BODY), "v2-bad-command");
        assertRefused(v2(0x2F, 0x11, TCP4_BODY), "v2-bad-command");
        assertRefused(v2(0x21, 0x41, TCP4_BODY), "v2-bad-family");
        assertRefused(v2(0x21, 0x13, TCP4_BODY), "v2-bad-family");
    }

    @Test
    void v2LengthsThatDoNotFitAreRefused() {
        assertRefused(v2(0x21, 0x11, Arrays.copyOf(TCP4_BODY, 8)), "v2-short-address");
        assertRefused(v2(0x21, 0x21, TCP4_BODY), "v2-short-address");
        assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, new byte[] {0x02, 0x00})), "v2-truncated-tlv");
        assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, new byte[] {0x02, 0x00, 0x09, 'a', 'b'})), "v2-truncated-tlv");
        assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x20, new byte[] {0x01, 0, 0}))), "v2-bad-ssl-tlv");
        assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x20, new byte[] {0x01, 0, 0, 0, 0, 0x21, 0, 9, 'T'}))),
                "v2-bad-ssl-tlv");
        assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x03, new byte[3]))), "v2-bad-crc32c");
    }

    @Test
    void v2OversizedHeaderIsRefusedBeforeItsBodyArrives() {
        byte[] fixed = v2(0x21, 0x11, new byte[0]);
        fixed[14] = (byte) ((ProxyHeaderParser.MAX_V2_LENGTH + 1) >> 8);
        fixed[15] = (byte) (ProxyHeaderParser.MAX_V2_LENGTH + 1);
        assertRefused(fixed, "v2-too-long");
        fixed[14] = (byte) 0xff;
        fixed[15] = (byte) 0xff;
        assertRefused(fixed, "v2-too-long");
    }

    @Test
    void v2LargestAcceptedHeaderIsParsed() throws Exception {
        byte[] padding = tlv(0x04, new byte[ProxyHeaderParser.MAX_V2_LENGTH - TCP4_BODY.length - 3]);
        assertThat(parse(v2(0x21, 0x11, concat(TCP4_BODY, padding))).source()).isEqualTo(at("192.0.2.7", 54321));
    }

    @Test
    void v2AuthorityMustBeAHostNameInUtf8() {
        for (byte[] bad : List.of(new byte[0], new byte[] {(byte) 0xc3, 0x28}, ascii("a b"), ascii("a\r\nb"),
                ascii("a'b"), ascii("x".repeat(256)))) {
            assertRefused(v2(0x21, 0x11, concat(TCP4_BODY, tlv(0x02, bad))), "v2-bad-authority");
        }
    }

    @Test
    void whatTheProxyWritesToBackendsReadsBackTheSame() throws Exception {
        for (ProxyHeader h : List.of(
                new ProxyHeader(at("192.0.2.7", 54321), at("198.51.100.1", 143), false, null),
                new ProxyHeader(at("192.0.2.7", 54321), at("198.51.100.1", 993), true, "imap.example.org"),
                new ProxyHeader(at("2001:db8::7", 1), at("2001:db8::1", 65535), true, null))) {
            assertThat(parse(h.toV2())).isEqualTo(h);
        }
        // one IPv4 and one IPv6 address: both go as IPv6, the IPv4 one mapped
        ProxyHeader mixed = new ProxyHeader(at("192.0.2.7", 5), at("2001:db8::1", 143), false, null);
        byte[] bytes = mixed.toV2();
        assertThat(bytes[13]).isEqualTo((byte) 0x21);
        assertThat(parse(bytes).source()).isEqualTo(at("192.0.2.7", 5));
        assertThatThrownBy(ProxyHeader.LOCAL::toV2).isInstanceOf(IllegalStateException.class);
    }
}
