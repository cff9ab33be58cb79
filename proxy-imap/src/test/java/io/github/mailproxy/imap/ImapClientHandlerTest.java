package io.github.mailproxy.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.SessionSettings;
import io.github.mailproxy.testing.FakeBackendConnection;
import io.github.mailproxy.testing.FakeClientSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pre-login conversation against an in-memory session, as the core would drive it. */
class ImapClientHandlerTest {

    private final FakeClientSession session = new ImapFakeSession();
    private ImapClientHandler handler;
    private final ByteBuffer input = ByteBuffer.allocate(64 * 1024);

    private String open() {
        handler = new ImapClientHandler(session);
        handler.onOpen();
        return session.take();
    }

    /** Sends client bytes and returns what the handler wrote in answer. */
    private String send(String text) {
        input.put(text.getBytes(StandardCharsets.UTF_8));
        pump();
        return session.take();
    }

    /** Offers buffered input as the core does: only while not paused and not closed. */
    private void pump() {
        input.flip();
        if (!session.paused && !session.closed && !session.tlsStarted) {
            handler.onInput(input);
        }
        input.compact();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private void decide(AuthDecision decision) {
        session.decisions.get(session.decisions.size() - 1).complete(decision);
        pump();
    }

    @Test
    void greetingCarriesCapabilities() {
        assertThat(open()).isEqualTo(
                "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN] mailproxy ready.\r\n");
    }

    @Test
    void capabilitiesGoThroughTheFilterAndOnlyRunnableMechanismsAreAdvertised() {
        session.filter = CapabilityFilter.remove("ID");
        // APOP is POP3's; IMAP cannot run it, so it is not advertised
        session.mechanisms = new java.util.LinkedHashSet<>(List.of("APOP", "PLAIN"));
        assertThat(open()).isEqualTo("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS LITERAL+ AUTH=PLAIN] mailproxy ready.\r\n");
    }

    @Test
    void withoutPlaintextLoginIsDisabled() {
        session.plaintextAllowed = false;
        session.mechanisms = Set.of();
        session.startTlsAvailable = true;
        assertThat(open()).isEqualTo(
                "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ STARTTLS LOGINDISABLED] mailproxy ready.\r\n");
        assertThat(send("a LOGIN bob secret\r\n")).isEqualTo("a " + ImapClientHandler.PRIVACY_REQUIRED + "\r\n");
        assertThat(send("b AUTHENTICATE PLAIN\r\n")).isEqualTo("b " + ImapClientHandler.PRIVACY_REQUIRED + "\r\n");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void capabilityNoopAndId() {
        open();
        assertThat(send("a CAPABILITY\r\n")).startsWith("* CAPABILITY IMAP4rev1 SASL-IR").contains("\r\na OK ");
        assertThat(send("b NOOP\r\n")).isEqualTo("b OK NOOP completed.\r\n");
        assertThat(send("c ID (\"name\" \"Thunderbird\" \"version\" NIL)\r\n"))
                .isEqualTo("* ID (\"name\" \"mailproxy\")\r\nc OK ID completed.\r\n");
        assertThat(send("d ID NIL\r\n")).isEqualTo("* ID (\"name\" \"mailproxy\")\r\nd OK ID completed.\r\n");
        assertThat(send("e ID (\"name\")\r\n")).startsWith("e BAD ");
        assertThat(send("f NOOP extra\r\n")).startsWith("f BAD ");
    }

    @Test
    void logoutSaysByeAndCloses() {
        open();
        assertThat(send("a LOGOUT\r\nb NOOP\r\n")).isEqualTo("* BYE Logging out.\r\na OK Logout completed.\r\n");
        assertThat(session.closed).isTrue();
    }

    @Test
    void startTlsOnlyWhenAvailableAndNotAdvertisedAfterwards() {
        open();
        assertThat(send("a STARTTLS\r\n")).isEqualTo("a BAD STARTTLS is not available.\r\n");
        session.startTlsAvailable = true;
        assertThat(send("b STARTTLS\r\nc NOOP\r\n")).isEqualTo("b OK Begin TLS negotiation now.\r\n");
        assertThat(session.tlsStarted).isTrue();
        // the core discards what the client sent before the handshake
        input.clear();
        session.tlsStarted = false;
        assertThat(send("d CAPABILITY\r\n")).doesNotContain("STARTTLS");
        assertThat(send("e STARTTLS\r\n")).isEqualTo("e BAD TLS is already active.\r\n");
    }

    @Test
    void loginAsksTheAuthServiceWithInputPaused() {
        open();
        assertThat(send("a LOGIN bob \"s3cret\"\r\nb NOOP\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        assertThat(session.user).isEqualTo("bob");
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("bob");
            assertThat(r.password()).isEqualTo("s3cret");
            assertThat(r.mechanism()).isEqualTo("LOGIN");
        });
        session.decisions.get(0).complete(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        assertThat(session.paused).isFalse();
        pump();
        assertThat(session.take()).isEqualTo(
                "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\nb OK NOOP completed.\r\n");
        assertThat(session.outcome).isEqualTo(Outcome.AUTH_FAILED);
    }

    @Test
    void rejectionsMapToResponseCodes() {
        open();
        send("a LOGIN u p\r\n");
        decide(new AuthDecision.Reject(Failure.TEMPORARY, null));
        assertThat(session.take()).startsWith("a NO [UNAVAILABLE] ");
        assertThat(session.outcome).isEqualTo(Outcome.TEMPORARY_FAILURE);
        send("b LOGIN u p\r\n");
        decide(new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED, "Use PLAIN"));
        assertThat(session.take()).isEqualTo("b NO [CANNOT] Use PLAIN\r\n");
        send("c LOGIN u p\r\n");
        decide(new AuthDecision.Reject(Failure.LOGIN_DISABLED, "Moved\r\n* BYE injected"));
        assertThat(session.take()).isEqualTo("c NO [CONTACTADMIN] Moved  * BYE injected\r\n");
        send("d LOGIN u p\r\n");
        decide(new AuthDecision.Local("u"));
        assertThat(session.take()).startsWith("d NO [UNAVAILABLE] ");
        send("e LOGIN u p\r\n");
        session.decisions.get(4).completeExceptionally(new IllegalStateException("db said: secret detail"));
        pump();
        assertThat(session.take()).startsWith("e NO [UNAVAILABLE] ").doesNotContain("secret detail");
        assertThat(session.closed).isFalse();
        assertThat(session.resumes).isEqualTo(5);
    }

    @Test
    void referralEscapesTheUserAndBracketsIpv6() {
        open();
        send("a LOGIN \"us er@x;y/ü\" p\r\n");
        decide(new AuthDecision.Referral("2001:db8::1", 1143, "us er@x;y/ü", null));
        assertThat(session.take()).isEqualTo(
                "a NO [REFERRAL imap://us%20er%40x%3By%2F%C3%BC;AUTH=*@[2001:db8::1]:1143/] Try this server instead.\r\n");
        assertThat(session.outcome).isEqualTo(Outcome.REFERRED);
        send("b LOGIN bob p\r\n");
        decide(new AuthDecision.Referral("imap2.example.org", 0, "bob", "Your mailbox moved."));
        assertThat(session.take()).isEqualTo(
                "b NO [REFERRAL imap://bob;AUTH=*@imap2.example.org/] Your mailbox moved.\r\n");
    }

    @Test
    void temporaryFailureThenSuccessOnTheSameConnection() {
        open();
        send("a LOGIN bob p\r\n");
        decide(new AuthDecision.Reject(Failure.TEMPORARY, null));
        assertThat(session.take()).startsWith("a NO [UNAVAILABLE]");
        send("b LOGIN bob p\r\n");
        BackendTarget target = new BackendTarget(List.of("10.0.0.1"), 143, TlsMode.PLAIN, null);
        decide(new AuthDecision.Proxy(target, BackendCredentials.forwarding("bob", "p")));
        assertThat(session.backendTarget).isEqualTo(target);
        assertThat(session.paused).isTrue();
        FakeBackendConnection backend = new FakeBackendConnection();
        session.backendHandler.onConnected(backend);
        session.backendHandler.onInput(ByteBuffer.wrap(
                "* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(backend.take()).isEqualTo("mp1 LOGIN \"bob\" \"p\"\r\n");
        session.backendHandler.onInput(ByteBuffer.wrap(
                "mp1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(session.take()).isEqualTo("b OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n");
        assertThat(session.relayed).isSameAs(backend);
        assertThat(session.outcome).isEqualTo(Outcome.PROXIED);
    }

    @Test
    void backendFailureLetsTheClientRetry() {
        open();
        send("a LOGIN bob p\r\n");
        decide(new AuthDecision.Proxy(new BackendTarget(List.of("h"), 0, TlsMode.PLAIN, null),
                BackendCredentials.forwarding("bob", "p")));
        session.backendHandler.onConnectFailed(new java.net.ConnectException("refused"));
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.UNAVAILABLE + "\r\n");
        assertThat(session.paused).isFalse();
        assertThat(send("b NOOP\r\n")).isEqualTo("b OK NOOP completed.\r\n");
    }

    @Test
    void authenticatePlainWithInitialResponse() {
        open();
        assertThat(send("a AUTHENTICATE PLAIN " + b64("\0bob\0s3cret") + "\r\n")).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("bob");
            assertThat(r.password()).isEqualTo("s3cret");
            assertThat(r.mechanism()).isEqualTo("PLAIN");
        });
    }

    @Test
    void authenticatePlainWithContinuation() {
        open();
        assertThat(send("a authenticate plain\r\n")).isEqualTo("+ \r\n");
        assertThat(send(b64("bob\0bob\0pw") + "\r\n")).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.user()).isEqualTo("bob"));
    }

    @Test
    void authenticatePlainRefusesAnotherAuthorizationIdAndGarbage() {
        open();
        assertThat(send("a AUTHENTICATE PLAIN " + b64("alice\0bob\0pw") + "\r\n")).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(send("b AUTHENTICATE PLAIN =\r\n")).isEqualTo("b " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(send("c AUTHENTICATE PLAIN " + b64("nonul") + "\r\n")).isEqualTo("c " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(send("d AUTHENTICATE PLAIN\r\n")).isEqualTo("+ \r\n");
        assertThat(send("not*base64!\r\n")).startsWith("d BAD ");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void refusalsTheAuthServiceNeverSawWaitForTheFailureDelayWithInputHeld() {
        session.holdFailureReplies = true;
        open();
        assertThat(send("a AUTHENTICATE PLAIN " + b64("alice\0bob\0pw") + "\r\nb NOOP\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        session.delayed.remove(0).run();
        pump();
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\nb OK NOOP completed.\r\n");
    }

    @Test
    void backendRefusalWaitsForTheFailureDelay() {
        session.holdFailureReplies = true;
        open();
        send("a LOGIN bob wrong\r\nb NOOP\r\n");
        decide(new AuthDecision.Proxy(new BackendTarget(List.of("h"), 0, TlsMode.PLAIN, null),
                BackendCredentials.forwarding("bob", "wrong")));
        FakeBackendConnection backend = new FakeBackendConnection();
        session.backendHandler.onConnected(backend);
        session.backendHandler.onInput(ByteBuffer.wrap(
                "* OK [CAPABILITY IMAP4rev1] hi\r\nmp1 NO [AUTHENTICATIONFAILED] no\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(backend.closed).isTrue();
        assertThat(session.take()).isEmpty();
        assertThat(session.paused).isTrue();
        session.delayed.remove(0).run();
        pump();
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\nb OK NOOP completed.\r\n");
    }

    @Test
    void aRefusalDueAfterTheSessionTimedOutIsNotWritten() {
        session.holdFailureReplies = true;
        open();
        send("a LOGIN bob wrong\r\n");
        decide(new AuthDecision.Proxy(new BackendTarget(List.of("h"), 0, TlsMode.PLAIN, null),
                BackendCredentials.forwarding("bob", "wrong")));
        session.backendHandler.onConnected(new FakeBackendConnection());
        session.backendHandler.onInput(ByteBuffer.wrap(
                "* OK [CAPABILITY IMAP4rev1] hi\r\nmp1 NO no\r\n".getBytes(StandardCharsets.US_ASCII)));
        handler.onTimeout();
        session.delayed.remove(0).run();
        assertThat(session.take()).isEqualTo("* BYE Disconnected for inactivity.\r\n");
    }

    @Test
    void authenticateLoginWithPromptsAndWithInitialResponse() {
        open();
        assertThat(send("a AUTHENTICATE LOGIN\r\n")).isEqualTo("+ VXNlcm5hbWU6\r\n");
        assertThat(send(b64("bob") + "\r\n")).isEqualTo("+ UGFzc3dvcmQ6\r\n");
        assertThat(send(b64("pw") + "\r\n")).isEmpty();
        decide(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        assertThat(session.take()).startsWith("a NO [AUTHENTICATIONFAILED]");
        assertThat(send("b AUTHENTICATE LOGIN " + b64("carol") + "\r\n")).isEqualTo("+ UGFzc3dvcmQ6\r\n");
        assertThat(send(b64("pw2") + "\r\n")).isEmpty();
        assertThat(session.authRequests).extracting(r -> r.user() + ":" + r.password() + ":" + r.mechanism())
                .containsExactly("bob:pw:LOGIN", "carol:pw2:LOGIN");
    }

    @Test
    void starCancelsAuthentication() {
        open();
        assertThat(send("a AUTHENTICATE PLAIN\r\n")).isEqualTo("+ \r\n");
        assertThat(send("*\r\n")).isEqualTo("a BAD Authentication canceled.\r\n");
        assertThat(send("b AUTHENTICATE LOGIN\r\n")).isEqualTo("+ VXNlcm5hbWU6\r\n");
        send(b64("bob") + "\r\n");
        assertThat(send("*\r\n")).isEqualTo("b BAD Authentication canceled.\r\n");
        assertThat(send("c NOOP\r\n")).isEqualTo("c OK NOOP completed.\r\n");
    }

    @Test
    void unsupportedMechanism() {
        open();
        assertThat(send("a AUTHENTICATE CRAM-MD5\r\n")).isEqualTo("a NO Unsupported authentication mechanism.\r\n");
        assertThat(send("b AUTHENTICATE\r\n")).startsWith("b BAD ");
    }

    @Test
    void literalsAreInvitedUnlessTooBig() {
        open();
        assertThat(send("a LOGIN {3}\r\n")).isEqualTo("+ Ready for literal data\r\n");
        assertThat(send("bob {51}\r\n")).isEqualTo("a BAD " + ImapDecoder.LITERAL_TOO_BIG + "\r\n");
        assertThat(send("b LOGIN {3+}\r\nbob {2+}\r\npw\r\n")).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.password()).isEqualTo("pw"));
    }

    @Test
    void tooManyBadCommandsCloseTheSession() {
        session.settings = new SessionSettings(100, 50, 3, false, 5);
        open();
        assertThat(send("a FOO\r\nb SELECT INBOX\r\n")).isEqualTo(
                "a BAD Command unknown or not allowed before login.\r\nb BAD Command unknown or not allowed before login.\r\n");
        assertThat(send("c\r\nd NOOP\r\n")).isEqualTo("c BAD Error in IMAP command: missing command name.\r\n"
                + "* BYE Too many invalid commands.\r\n");
        assertThat(session.closed).isTrue();
    }

    @Test
    void aConversationSplitAtEveryByteGetsTheSameAnswers() {
        String conversation = "a NOOP\r\nb ID (\"x\" {1}\r\ny)\r\nc AUTHENTICATE PLAIN\r\n*\r\n"
                + "d AUTHENTICATE LOGIN\r\n" + b64("bob") + "\r\n*\r\ne FOO\r\nf LOGIN {3+}\r\nbob {2}\r\n";
        String expected = null;
        for (List<byte[]> chunks : Chunks.splits(conversation)) {
            FakeClientSession fresh = new ImapFakeSession();
            ImapClientHandler h = new ImapClientHandler(fresh);
            h.onOpen();
            fresh.take();
            Chunks.feed(chunks, in -> {
                h.onInput(in);
                return null;
            });
            String answers = fresh.take();
            if (expected == null) {
                expected = answers;
            } else {
                assertThat(answers).as("split into %d chunks", chunks.size()).isEqualTo(expected);
            }
        }
        assertThat(expected).isEqualTo("a OK NOOP completed.\r\n+ Ready for literal data\r\n"
                + "* ID (\"name\" \"mailproxy\")\r\nb OK ID completed.\r\n+ \r\nc BAD Authentication canceled.\r\n"
                + "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\nd BAD Authentication canceled.\r\n"
                + "e BAD Command unknown or not allowed before login.\r\n+ Ready for literal data\r\n");
    }

    @Test
    void overLongLineGetsBad() {
        open();
        assertThat(send("a LOGIN " + "x".repeat(200) + "\r\nb NOOP\r\n"))
                .isEqualTo("a BAD " + ImapDecoder.LINE_TOO_LONG + "\r\nb OK NOOP completed.\r\n");
    }

    @Test
    void timeoutAndShutdownSayBye() {
        open();
        send("a LOGIN bob p\r\n");
        handler.onTimeout();
        assertThat(session.take()).isEqualTo("* BYE Disconnected for inactivity.\r\n");
        assertThat(session.outcome).isEqualTo(Outcome.TIMEOUT);
        // a decision that arrives afterwards is ignored
        session.decisions.get(0).complete(new AuthDecision.Reject(Failure.AUTH_FAILED, null));
        assertThat(session.take()).isEmpty();

        FakeClientSession other = new ImapFakeSession();
        ImapClientHandler h = new ImapClientHandler(other);
        h.onOpen();
        other.take();
        h.onShutdown();
        assertThat(other.take()).isEqualTo("* BYE Server shutting down.\r\n");
    }

    @Test
    void closingDuringBackendLoginClosesTheBackend() {
        open();
        send("a LOGIN bob p\r\n");
        decide(new AuthDecision.Proxy(new BackendTarget(List.of("h"), 0, TlsMode.PLAIN, null),
                BackendCredentials.forwarding("bob", "p")));
        FakeBackendConnection backend = new FakeBackendConnection();
        session.backendHandler.onConnected(backend);
        handler.onClosed();
        assertThat(backend.closed).isTrue();
    }
    private static final String FORWARDED_ID = "a ID (\"name\" \"webmail\" \"x-originating-ip\" \"203.0.113.9\" "
            + "\"x-originating-port\" \"4444\" \"x-proxy-ttl\" \"3\")\r\n";

    @Test
    void aTrustedClientsIdNamesTheOriginatingClientAndItsProxyTtl() {
        session.settings = new io.github.mailproxy.spi.SessionSettings(1000, 50, 10, false, 5);
        session.trusted = true;
        open();
        assertThat(send(FORWARDED_ID)).isEqualTo("* ID (\"name\" \"mailproxy\")\r\na OK ID completed.\r\n");
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("203.0.113.9", 4444));
        assertThat(session.proxyTtl()).isEqualTo(3);
    }

    @Test
    void anUntrustedClientsIdFieldsAreIgnored() {
        session.settings = new io.github.mailproxy.spi.SessionSettings(1000, 50, 10, false, 5);
        session.trusted = false;
        open();
        assertThat(send(FORWARDED_ID)).isEqualTo("* ID (\"name\" \"mailproxy\")\r\na OK ID completed.\r\n");
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("192.0.2.7", 40001));
        assertThat(session.proxyTtl()).isEqualTo(5);
    }

    @Test
    void aTrustedClientsInvalidAddressOrTtlIsIgnoredAndTheIdStillAnswered() {
        session.settings = new io.github.mailproxy.spi.SessionSettings(1000, 50, 10, false, 5);
        session.trusted = true;
        open();
        for (String fields : java.util.List.of("\"x-originating-ip\" \"example.org\"",
                "\"x-originating-ip\" \"10.1\"", "\"x-originating-ip\" \"203.0.113.9\" \"x-originating-port\" \"70000\"",
                "\"x-originating-ip\" NIL", "\"x-proxy-ttl\" \"-1\"", "\"x-proxy-ttl\" \"many\"")) {
            assertThat(send("a ID (" + fields + ")\r\n")).as(fields).endsWith("a OK ID completed.\r\n");
        }
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("192.0.2.7", 40001));
        assertThat(session.proxyTtl()).isEqualTo(5);
    }

    @Test
    void anIpv6OriginatingAddressWithoutPortIsTaken() {
        session.trusted = true;
        open();
        send("a ID (\"x-originating-ip\" \"2001:db8::7\")\r\n");
        assertThat(session.clientAddress()).isEqualTo(new java.net.InetSocketAddress("2001:db8::7", 0));
    }

    @Test
    void aLatin1LiteralPasswordReachesTheAuthServiceAsLatin1TextAndExactBytes() {
        open();
        input.put("a LOGIN bob {4+}\r\n".getBytes(StandardCharsets.US_ASCII));
        input.put(new byte[] {'p', (byte) 0xE4, 's', 's'});
        input.put("\r\n".getBytes(StandardCharsets.US_ASCII));
        pump();
        assertThat(session.authRequests).hasSize(1);
        assertThat(session.authRequests.get(0).password()).isEqualTo("p\u00e4ss");
        assertThat(session.authRequests.get(0).passwordBytes()).containsExactly('p', 0xE4, 's', 's');
    }

    @Test
    void aNulInALiteralUserNameNeverReachesTheAuthService() {
        open();
        input.put("a LOGIN {3+}\r\nb\0b pw\r\n".getBytes(StandardCharsets.US_ASCII));
        pump();
        assertThat(session.authRequests).isEmpty();
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
    }
}
