package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ImapDecoderTest {

    private static final int MAX_LINE = 100;
    private static final int MAX_LITERAL = 50;

    /** Decodes the input whole, split at every byte and byte by byte; all must agree. */
    private static List<String> decode(String input) {
        List<String> expected = null;
        for (List<byte[]> chunks : Chunks.splits(input)) {
            ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
            List<String> events = Chunks.feed(chunks, in -> render(decoder.next(in)));
            if (expected == null) {
                expected = events;
            } else {
                assertThat(events).as("split into %d chunks", chunks.size()).isEqualTo(expected);
            }
        }
        return expected;
    }

    private static String render(ImapDecoder.Result r) {
        return switch (r.kind()) {
            case NEED_MORE -> null;
            case CONTINUE -> "+";
            case BAD -> r.tag() + " BAD " + r.text();
            case COMMAND -> r.command().tag() + " " + r.command().name()
                    + r.command().args().stream().map(a -> " " + render(a)).collect(Collectors.joining());
        };
    }

    private static String render(ImapArg a) {
        return switch (a.kind()) {
            case ATOM -> a.value();
            case QUOTED -> "Q<" + a.value() + ">";
            case LITERAL -> "L<" + a.value() + ">";
            case LIST -> a.items().stream().map(ImapDecoderTest::render).collect(Collectors.joining(" ", "(", ")"));
        };
    }

    @Test
    void atomsAndCommandNameInAnyCase() {
        assertThat(decode("a1 login bob secret\r\n")).containsExactly("a1 LOGIN bob secret");
    }

    @Test
    void lineEndMayBeLfAlone() {
        assertThat(decode("a NOOP\n")).containsExactly("a NOOP");
    }

    @Test
    void atomMayContainCloseBracketAndPlus() {
        assertThat(decode("a LOGIN b+b p]w\r\n")).containsExactly("a LOGIN b+b p]w");
    }

    @Test
    void quotedStringsResolveEscapes() {
        assertThat(decode("a LOGIN \"bo\\\"b\" \"p\\\\w d\"\r\n")).containsExactly("a LOGIN Q<bo\"b> Q<p\\w d>");
    }

    @Test
    void emptyQuotedStrings() {
        assertThat(decode("a LOGIN \"\" \"\"\r\n")).containsExactly("a LOGIN Q<> Q<>");
    }

    @Test
    void quotedStringMayHoldUtf8() {
        assertThat(decode("a LOGIN \"jörg\" x\r\n")).containsExactly("a LOGIN Q<jörg> x");
    }

    @Test
    void synchronizingLiteralsAskForContinuation() {
        assertThat(decode("a LOGIN {3}\r\nbob {6}\r\nsecret\r\n"))
                .containsExactly("+", "+", "a LOGIN L<bob> L<secret>");
    }

    @Test
    void nonSynchronizingLiteralsDoNot() {
        assertThat(decode("a LOGIN {3+}\r\nbob {6+}\r\nsecret\r\n")).containsExactly("a LOGIN L<bob> L<secret>");
    }

    @Test
    void literalMayHoldLineEndsAndQuotes() {
        assertThat(decode("a LOGIN {5+}\r\nb\r\n\"} \"x\"\r\n")).containsExactly("a LOGIN L<b\r\n\"}> Q<x>");
    }

    @Test
    void emptyLiterals() {
        assertThat(decode("a LOGIN {0}\r\n {0+}\r\n\r\n")).containsExactly("+", "a LOGIN L<> L<>");
    }

    @Test
    void nilIsAnAtom() {
        assertThat(decode("a ID NIL\r\n")).containsExactly("a ID NIL");
    }

    @Test
    void listsWithStringsNilAndLiterals() {
        assertThat(decode("a ID (\"name\" {3+}\r\nabc \"version\" NIL)\r\n"))
                .containsExactly("a ID (Q<name> L<abc> Q<version> NIL)");
    }

    @Test
    void nestedAndEmptyLists() {
        assertThat(decode("a X (() (a (b)))\r\n")).containsExactly("a X (() (a (b)))");
    }

    @Test
    void pipelinedCommandsComeOutInOrder() {
        assertThat(decode("a CAPABILITY\r\nb NOOP\r\nc LOGIN {1}\r\nu p\r\nd LOGOUT\r\n"))
                .containsExactly("a CAPABILITY", "b NOOP", "+", "c LOGIN L<u> p", "d LOGOUT");
    }

    @Test
    void overLongLineIsRefusedWithItsTagAndTheNextCommandStillWorks() {
        String longLine = "a LOGIN " + "x".repeat(200) + "\r\n";
        assertThat(decode(longLine + "b NOOP\r\n"))
                .containsExactly("a BAD " + ImapDecoder.LINE_TOO_LONG, "b NOOP");
    }

    @Test
    void overLongLineWithoutReadableTagIsRefusedUntagged() {
        assertThat(decode("x".repeat(300) + "\r\nb NOOP\r\n"))
                .containsExactly("* BAD " + ImapDecoder.LINE_TOO_LONG, "b NOOP");
    }

    @Test
    void overLongLineRightAfterAnotherOverLongLine() {
        String two = "a " + "x".repeat(150) + "\r\nb " + "y".repeat(150) + "\r\nc NOOP\r\n";
        assertThat(decode(two)).containsExactly(
                "a BAD " + ImapDecoder.LINE_TOO_LONG, "b BAD " + ImapDecoder.LINE_TOO_LONG, "c NOOP");
    }

    @Test
    void lineOfExactlyTheBoundIsAccepted() {
        String line = "a LOGIN u " + "p".repeat(MAX_LINE - 10);
        assertThat(line).hasSize(MAX_LINE);
        assertThat(decode(line + "\r\n")).containsExactly(line);
    }

    @Test
    void overBigSynchronizingLiteralIsRefusedWithoutContinuation() {
        assertThat(decode("a LOGIN {51}\r\nb NOOP\r\n"))
                .containsExactly("a BAD " + ImapDecoder.LITERAL_TOO_BIG, "b NOOP");
    }

    @Test
    void hugeLiteralSizeIsRefused() {
        assertThat(decode("a LOGIN {99999999999999999999}\r\nb NOOP\r\n"))
                .containsExactly("a BAD " + ImapDecoder.LITERAL_TOO_BIG, "b NOOP");
    }

    @Test
    void overBigNonSynchronizingLiteralIsSkippedWithTheRestOfItsCommand() {
        String literal = "c NOOP\r\n".repeat(8);  // 64 bytes that look like commands
        assertThat(decode("a LOGIN {64+}\r\n" + literal + " \"x\"\r\nb NOOP\r\n"))
                .containsExactly("a BAD " + ImapDecoder.LITERAL_TOO_BIG, "b NOOP");
    }

    @Test
    void literalsBeyondTheCommandBudgetAreRefused() {
        // each literal is allowed, but a command may not carry more than a line and two full literals
        String four = "a X {50+}\r\n" + "x".repeat(50) + " {50+}\r\n" + "y".repeat(50) + " {50+}\r\n"
                + "z".repeat(50) + " {50+}\r\n" + "w".repeat(50) + "\r\nb NOOP\r\n";
        assertThat(decode(four)).containsExactly("a BAD " + ImapDecoder.LITERAL_TOO_BIG, "b NOOP");
    }

    @Test
    void syntaxErrorsGetBadWithTheTag() {
        assertThat(decode("a LOGIN \"open\r\n")).singleElement().asString().startsWith("a BAD Error in IMAP command");
        assertThat(decode("a LOGIN \"b\\ad\"\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a LOGIN bob)\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a ID (\"x\"\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a LOGIN {3}x\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a LOGIN {}\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a LOGIN \"x\"y\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a LOGIN b\u0001b\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("a (\r\n")).singleElement().asString().startsWith("a BAD Error");
    }

    @Test
    void missingCommandOrTag() {
        assertThat(decode("a\r\n")).singleElement().asString().startsWith("a BAD Error");
        assertThat(decode("+a NOOP\r\n")).singleElement().asString().startsWith("* BAD Error");
        assertThat(decode("\r\n")).containsExactly("* BAD Empty command line.");
        assertThat(decode(" NOOP\r\n")).singleElement().asString().startsWith("* BAD Error");
    }

    @Test
    void syntaxErrorSkipsTheNonSynchronizingLiteralItAnnounces() {
        assertThat(decode("a LOGIN \"x\"y {8+}\r\nb NOOP\r\n\r\nc NOOP\r\n"))
                .containsExactly("a BAD Error in IMAP command: missing space between arguments.", "c NOOP");
    }

    @Test
    void toStringHidesPasswords() {
        ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
        ImapCommand login = decoder.next(buffer("a LOGIN bob s3cret\r\n")).command();
        ImapCommand quoted = decoder.next(buffer("a LOGIN \"bob\" \"s3cret\"\r\n")).command();
        ImapCommand auth = decoder.next(buffer("a AUTHENTICATE PLAIN AGJvYgBzM2NyZXQ=\r\n")).command();
        assertThat(login.toString()).contains("bob").doesNotContain("s3cret");
        assertThat(quoted.toString()).doesNotContain("s3cret");
        assertThat(quoted.args().get(1).toString()).doesNotContain("s3cret");
        assertThat(auth.toString()).contains("PLAIN").doesNotContain("AGJvYgBzM2NyZXQ");
    }

    @Test
    void rawLinesForSaslResponses() {
        ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
        ByteBuffer in = buffer("dXNlcg==\r\n*\r\n" + "A".repeat(200) + "\r\n");
        assertThat(decoder.nextLine(in).text()).isEqualTo("dXNlcg==");
        assertThat(decoder.nextLine(in).text()).isEqualTo("*");
        assertThat(decoder.nextLine(in)).isEqualTo(ImapDecoder.Line.TOO_LONG);
        assertThat(decoder.nextLine(in)).isEqualTo(ImapDecoder.Line.NEED_MORE);
    }

    private static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
    /** Renders strings as their bytes in hex, so that a test sees what the backend will get. */
    private static List<String> decodeBytes(byte[] input) {
        List<String> expected = null;
        for (List<byte[]> chunks : Chunks.splits(input)) {
            ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
            List<String> events = Chunks.feed(chunks, in -> {
                ImapDecoder.Result r = decoder.next(in);
                return r.kind() != ImapDecoder.Kind.COMMAND ? render(r) : r.command().args().stream()
                        .map(a -> a.value() + "=" + java.util.HexFormat.of().formatHex(a.bytes()))
                        .collect(Collectors.joining(" "));
            });
            if (expected == null) {
                expected = events;
            } else {
                assertThat(events).as("split into %d chunks", chunks.size()).isEqualTo(expected);
            }
        }
        return expected;
    }

    @Test
    void quotedAndLiteralStringsKeepTheClientsBytes() {
        byte[] input = ("a LOGIN \"j\u00e4\" {2+}\r\np\u00e4\r\nb LOGIN \"j\u00c3\u00a4\" x\r\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        // Latin-1 bytes are read as Latin-1 text, UTF-8 as UTF-8; the bytes stay as sent
        assertThat(decodeBytes(input)).containsExactly("j\u00e4=6ae4 p\u00e4=70e4", "j\u00e4=6ac3a4 x=78");
    }

    /** Decodes to typed requests, whole, split at every byte and byte by byte; all must agree. */
    private static List<String> requests(String input) {
        List<String> expected = null;
        for (List<byte[]> chunks : Chunks.splits(input)) {
            ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
            List<String> events = Chunks.feed(chunks, in -> {
                ImapDecoder.Result r = decoder.next(in);
                return r.kind() == ImapDecoder.Kind.COMMAND ? r.request().toString() : render(r);
            });
            if (expected == null) {
                expected = events;
            } else {
                assertThat(events).as("split into %d chunks", chunks.size()).isEqualTo(expected);
            }
        }
        return expected;
    }

    @Test
    void commandsWithoutArgumentsBecomeTheirRequests() {
        assertThat(requests("a capability\r\nb NOOP\r\nc Logout\r\nd STARTTLS\r\n")).containsExactly(
                "Capability[tag=a]", "Noop[tag=b]", "Logout[tag=c]", "StartTls[tag=d]");
    }

    @Test
    void argumentsThatDoNotFitTheCommandAreBadRequests() {
        assertThat(requests("a CAPABILITY x\r\nb LOGIN bob\r\nc AUTHENTICATE\r\nd AUTHENTICATE \"PLAIN\"\r\n"
                + "e ID foo\r\nf ID (\"odd\")\r\ng NOOP (x)\r\nh LOGIN (a) b\r\ni AUTHENTICATE PLAIN a b\r\n"))
                .containsExactly(
                        "Bad[tag=a, text=Error in IMAP command: CAPABILITY takes no arguments.]",
                        "Bad[tag=b, text=Error in IMAP command: LOGIN needs a user name and a password.]",
                        "Bad[tag=c, text=Error in IMAP command: AUTHENTICATE needs a mechanism name.]",
                        "Bad[tag=d, text=Error in IMAP command: AUTHENTICATE needs a mechanism name.]",
                        "Bad[tag=e, text=Error in IMAP command: ID needs a list of field-value pairs or NIL.]",
                        "Bad[tag=f, text=Error in IMAP command: ID needs a list of field-value pairs or NIL.]",
                        "Bad[tag=g, text=Error in IMAP command: NOOP takes no arguments.]",
                        "Bad[tag=h, text=Error in IMAP command: LOGIN needs a user name and a password.]",
                        "Bad[tag=i, text=Error in IMAP command: AUTHENTICATE needs a mechanism name.]");
    }

    @Test
    void loginTakesAtomsQuotedStringsAndLiteralsAndHidesThePassword() {
        assertThat(requests("a LOGIN bob s3cret\r\nb login \"bob\" {6+}\r\ns3cret\r\n")).containsExactly(
                "Login[tag=a, user=bob, password=***]", "Login[tag=b, user=bob, password=***]");
    }

    @Test
    void loginKeepsTheClientsBytes() {
        ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
        ByteBuffer in = ByteBuffer.wrap("a LOGIN \"j\u00e4\" {2+}\r\np\u00e4\r\n".getBytes(StandardCharsets.ISO_8859_1));
        ImapRequest.Login login = (ImapRequest.Login) decoder.next(in).request();
        assertThat(login.userBytes()).containsExactly('j', 0xE4);
        assertThat(login.passwordBytes()).containsExactly('p', 0xE4);
        assertThat(login.password()).isEqualTo("p\u00e4");
        assertThat(login.toString()).doesNotContain("p\u00e4");
    }

    @Test
    void authenticateWithAndWithoutAnInitialResponse() {
        assertThat(requests("a authenticate plain\r\nb AUTHENTICATE PLAIN AGJvYgBzM2NyZXQ=\r\nc AUTHENTICATE LOGIN =\r\n"))
                .containsExactly("Authenticate[tag=a, mechanism=PLAIN]",
                        "Authenticate[tag=b, mechanism=PLAIN, initialResponse=***]",
                        "Authenticate[tag=c, mechanism=LOGIN, initialResponse=***]");
        ImapDecoder decoder = new ImapDecoder(MAX_LINE, MAX_LITERAL);
        ImapRequest.Authenticate auth = (ImapRequest.Authenticate) decoder.next(buffer("b AUTHENTICATE PLAIN AGJvYgBzM2NyZXQ=\r\n")).request();
        assertThat(auth.initialResponse()).isEqualTo("AGJvYgBzM2NyZXQ=");
    }

    @Test
    void idFieldsKeepTheirOrderAndNilValues() {
        assertThat(requests("a ID (\"name\" \"x\" \"x-originating-ip\" \"192.0.2.1\" \"version\" NIL)\r\nb ID NIL\r\nc ID ()\r\n"))
                .containsExactly("Id[tag=a, fields=[Field[name=name, value=x], Field[name=x-originating-ip, value=192.0.2.1], "
                                + "Field[name=version, value=null]]]",
                        "Id[tag=b, fields=[]]", "Id[tag=c, fields=[]]");
    }

    @Test
    void commandsNotServedBeforeLoginAreUnknownValues() {
        assertThat(requests("a SELECT INBOX\r\nb xyzzy\r\n")).containsExactly(
                "Unknown[tag=a, name=SELECT]", "Unknown[tag=b, name=XYZZY]");
    }
}
