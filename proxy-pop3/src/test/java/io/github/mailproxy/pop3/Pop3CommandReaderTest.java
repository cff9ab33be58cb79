package io.github.mailproxy.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Pop3CommandReaderTest {

    private static final int MAX = 300;

    /**
     * Reads every command of {@code input}, once whole, once split at each byte boundary and once
     * a byte at a time, and checks that all ways give the same commands.
     */
    private static List<Pop3Command> read(String input, boolean sasl) {
        return read(input.getBytes(StandardCharsets.UTF_8), sasl);
    }

    /** Reads bytes that need not be UTF-8, whole, split at every byte and byte by byte. */
    private static List<Pop3Command> read(byte[] bytes, boolean sasl) {
        List<Pop3Command> whole = feed(bytes, new int[0], sasl);
        for (int split = 1; split < bytes.length; split++) {
            assertThat(feed(bytes, new int[] {split}, sasl)).as("split at %d", split).isEqualTo(whole);
        }
        int[] every = new int[Math.max(0, bytes.length - 1)];
        for (int i = 0; i < every.length; i++) {
            every[i] = i + 1;
        }
        assertThat(feed(bytes, every, sasl)).as("byte by byte").isEqualTo(whole);
        return whole;
    }

    private static List<Pop3Command> read(String input) {
        return read(input, false);
    }

    /** Feeds the chunks as the core would: unread bytes stay at the front of the buffer. */
    private static List<Pop3Command> feed(byte[] bytes, int[] splits, boolean sasl) {
        Pop3CommandReader reader = new Pop3CommandReader(MAX);
        ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 1).flip();
        List<Pop3Command> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= splits.length; i++) {
            int to = i < splits.length ? splits[i] : bytes.length;
            buffer.compact().put(bytes, from, to - from).flip();
            from = to;
            Pop3Command command;
            while ((command = reader.next(buffer, sasl)) != null) {
                out.add(command);
            }
        }
        assertThat(buffer.remaining()).as("input left over").isLessThanOrEqualTo(MAX + 1);
        return out;
    }

    @Test
    void simpleCommandsAreCaseInsensitive() {
        assertThat(read("CAPA\r\ncapa\r\nStls\r\nquit\r\n")).containsExactly(
                new Pop3Command.Capa(), new Pop3Command.Capa(), new Pop3Command.Stls(), new Pop3Command.Quit());
    }

    @Test
    void bareLineFeedEndsALineToo() {
        assertThat(read("CAPA\nQUIT\n")).containsExactly(new Pop3Command.Capa(), new Pop3Command.Quit());
    }

    @Test
    void userNameIsTheRestOfTheLine() {
        assertThat(read("USER alice@example.org\r\nuser bob smith\r\n")).containsExactly(
                new Pop3Command.User("alice@example.org"), new Pop3Command.User("bob smith"));
    }

    @Test
    void passwordKeepsItsSpaces() {
        assertThat(read("PASS  secret with  spaces \r\n"))
                .containsExactly(new Pop3Command.Pass(" secret with  spaces "));
    }

    @Test
    void passwordMayBeUtf8() {
        assertThat(read("PASS pässwört\r\n")).containsExactly(new Pop3Command.Pass("pässwört"));
    }

    @Test
    void missingArgumentsAreInvalid() {
        assertThat(read("USER\r\nUSER \r\nPASS\r\nPASS \r\n")).containsExactly(
                new Pop3Command.Invalid("No username given."), new Pop3Command.Invalid("No username given."),
                new Pop3Command.Invalid("No password given."), new Pop3Command.Invalid("No password given."));
    }

    @Test
    void controlCharactersInsideALineAreRefused() {
        assertThat(read("USER a\rDELE 1\r\nPASS x\0y\r\nXYZ\0\r\n")).containsExactly(
                new Pop3Command.Invalid("Invalid characters in command."),
                new Pop3Command.Invalid("Invalid characters in command."),
                new Pop3Command.Unknown("XYZ?"));
    }

    @Test
    void authWithoutArgumentAsksForTheList() {
        assertThat(read("AUTH\r\nAUTH \r\n")).containsExactly(
                new Pop3Command.Auth(null, null), new Pop3Command.Auth(null, null));
    }

    @Test
    void authTakesMechanismAndInitialResponse() {
        assertThat(read("AUTH plain\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH LOGIN =\r\n")).containsExactly(
                new Pop3Command.Auth("PLAIN", null),
                new Pop3Command.Auth("PLAIN", "AGFsaWNlAHNlY3JldA=="),
                new Pop3Command.Auth("LOGIN", ""));
    }

    @Test
    void badMechanismNameOrResponseIsInvalid() {
        assertThat(read("AUTH PL!AIN\r\nAUTH ABCDEFGHIJKLMNOPQRSTU\r\nAUTH PLAIN a b\r\n")).containsExactly(
                new Pop3Command.Invalid("Invalid authentication mechanism name."),
                new Pop3Command.Invalid("Invalid authentication mechanism name."),
                new Pop3Command.Invalid("Invalid initial response."));
    }

    @Test
    void unknownCommandsAreValuesWithAShortPrintableVerb() {
        assertThat(read("NOOP\r\nstat\r\n\r\nXTND a b\r\nVERYLONGVERBWITHOUTEND x\r\n")).containsExactly(
                new Pop3Command.Unknown("NOOP"), new Pop3Command.Unknown("STAT"), new Pop3Command.Unknown(""),
                new Pop3Command.Unknown("XTND"), new Pop3Command.Unknown("VERYLONGVERBWITH"));
    }

    @Test
    void apopTakesTheLastWordAsTheDigest() {
        assertThat(read("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\napop Mary Rose C4C9334BAC560ECC979E58001B3E22FB \r\n"))
                .containsExactly(new Pop3Command.Apop("mrose", "c4c9334bac560ecc979e58001b3e22fb"),
                        new Pop3Command.Apop("Mary Rose", "c4c9334bac560ecc979e58001b3e22fb"));
        assertThat(new Pop3Command.Apop("mrose", "c4c9334bac560ecc979e58001b3e22fb").toString())
                .doesNotContain("c4c9");
    }

    @Test
    void malformedApopIsInvalid() {
        Pop3Command invalid = new Pop3Command.Invalid("APOP needs a user name and a digest.");
        assertThat(read("APOP\r\nAPOP mrose\r\nAPOP mrose c4c9\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fg\r\n"
                + "APOP  c4c9334bac560ecc979e58001b3e22fb\r\nAPOP mrose\0 c4c9334bac560ecc979e58001b3e22fb\r\n"))
                .containsExactly(invalid, invalid, invalid, invalid, invalid,
                        new Pop3Command.Invalid("Invalid characters in command."));
    }

    @Test
    void pipelinedCommandsComeOutInOrder() {
        assertThat(read("USER a\r\nPASS b\r\nSTAT\r\n")).containsExactly(
                new Pop3Command.User("a"), new Pop3Command.Pass("b"), new Pop3Command.Unknown("STAT"));
    }

    @Test
    void lineOfExactlyTheBoundIsAccepted() {
        String password = "p".repeat(MAX - "PASS ".length());
        assertThat(read("PASS " + password + "\r\n")).containsExactly(new Pop3Command.Pass(password));
    }

    @Test
    void overLongLineIsReportedOnceAndSkippedToItsEnd() {
        String input = "PASS " + "x".repeat(MAX * 3) + "\r\nCAPA\r\n";
        assertThat(read(input)).containsExactly(new Pop3Command.TooLong(), new Pop3Command.Capa());
    }

    @Test
    void lineOneOverTheBoundIsTooLong() {
        assertThat(read("PASS " + "p".repeat(MAX - 4) + "\r\nQUIT\r\n"))
                .containsExactly(new Pop3Command.TooLong(), new Pop3Command.Quit());
    }

    @Test
    void incompleteLineYieldsNothing() {
        assertThat(read("USER alice")).isEmpty();
    }

    @Test
    void saslLinesAreResponsesOrCancel() {
        assertThat(read("AGFsaWNlAHNlY3JldA==\r\n*\r\n\r\n", true)).containsExactly(
                new Pop3Command.SaslResponse("AGFsaWNlAHNlY3JldA=="), new Pop3Command.SaslCancel(),
                new Pop3Command.SaslResponse(""));
    }

    @Test
    void toStringHidesSecrets() {
        assertThat(new Pop3Command.Pass("hunter2").toString()).doesNotContain("hunter2");
        assertThat(new Pop3Command.Auth("PLAIN", "AGFsaWNlAHNlY3JldA==").toString())
                .contains("PLAIN").doesNotContain("AGFsaWNlAHNlY3JldA==");
        assertThat(new Pop3Command.SaslResponse("c2VjcmV0").toString()).doesNotContain("c2VjcmV0");
    }
    @Test
    void userAndPassKeepTheClientsBytesWhateverTheCharset() {
        byte[] latin1 = "USER j\u00e4\r\nPASS p\u00e4 ss\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(read(latin1, false)).containsExactly(
                new Pop3Command.User("j\u00e4", new byte[] {'j', (byte) 0xE4}),
                new Pop3Command.Pass("p\u00e4 ss", new byte[] {'p', (byte) 0xE4, ' ', 's', 's'}));
        assertThat(read("USER j\u00e4\r\n", false)).containsExactly(
                new Pop3Command.User("j\u00e4", new byte[] {'j', (byte) 0xC3, (byte) 0xA4}));
    }

    @Test
    void xclientIsReadWithItsArguments() {
        assertThat(read("XCLIENT ADDR=203.0.113.9 PORT=4444\r\nxclient\r\n")).containsExactly(
                new Pop3Command.Xclient("ADDR=203.0.113.9 PORT=4444"), new Pop3Command.Xclient(""));
    }

    @Test
    void xclientFieldsAreReadAndOneBadKnownFieldVoidsThemAll() throws Exception {
        Pop3Command.Xclient.Fields fields = new Pop3Command.Xclient("ADDR=192.0.2.9 port=4711 SESSION=x TTL=3 FORWARD=abc")
                .fields().orElseThrow();
        assertThat(fields).isEqualTo(new Pop3Command.Xclient.Fields(java.net.InetAddress.getByName("192.0.2.9"), 4711, 3));
        assertThat(new Pop3Command.Xclient("").fields()).contains(new Pop3Command.Xclient.Fields(null, 0, -1));
        for (String bad : List.of("ADDR=example.org", "ADDR=192.0.2.9 PORT=70000", "TTL=-1", "PORT=x", "TTL=")) {
            assertThat(new Pop3Command.Xclient(bad).fields()).as(bad).isEmpty();
        }
    }
}
