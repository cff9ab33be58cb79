package io.github.mailproxy.imap;

import io.github.mailproxy.testing.FakeClientSession;
import io.github.mailproxy.testing.TestSasl;
import static io.github.mailproxy.testing.TestSasl.b64;
import static io.github.mailproxy.testing.TestSasl.unb64;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.spi.SessionSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AUTHENTICATE CRAM-MD5 and SCRAM-SHA-1/256, which the proxy verifies itself, against an in-memory session. */
class ImapVerifiedSaslTest {

    /** RFC 2195 section 2's example. */
    private static final String RFC_CHALLENGE = "<1896.697170952@postoffice.reston.mci.net>";
    private static final String RFC_PASSWORD = "tanstaaftanstaaf";
    private static final String RFC_DIGEST = "b913a602c7eda7a495b4e6e7334d3890";
    /** {@code doveadm pw -s CRAM-MD5 -p tanstaaftanstaaf} (Dovecot 2.3.19). */
    private static final String RFC_PASSWORD_CRAM = "{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b";
    /** {@code doveadm pw -s SHA512-CRYPT -p secret}. */
    private static final String SECRET_SHA512_CRYPT = "{SHA512-CRYPT}$6$fU4lyK7ln9bUIh2W$YAbRgkucwJwuRnfSJZ0q6gmSwHOJUoIb"
            + "mWwY9Id.mlXz/OUoy5ooeifPzOb42iC.wHD4QRKbTVlaBGCsT8J/I0";

    private static final SessionSettings SETTINGS = new SessionSettings(1000, 50, 5, false, 5);

    private final FakeClientSession session = new ImapFakeSession();
    private ImapClientHandler handler;
    private final ByteBuffer input = ByteBuffer.allocate(64 * 1024);

    ImapVerifiedSaslTest() {
        session.settings = SETTINGS;
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"));
    }

    private String open() {
        handler = new ImapClientHandler(session);
        handler.onOpen();
        return session.take();
    }

    private String send(String text) {
        input.put(text.getBytes(StandardCharsets.UTF_8));
        pump();
        return session.take();
    }

    private void pump() {
        input.flip();
        if (!session.paused && !session.closed) {
            handler.onInput(input);
        }
        input.compact();
    }

    private String lookedUp(PassDbResult result) {
        session.lookupResults.get(session.lookupResults.size() - 1).complete(result);
        pump();
        return session.take();
    }

    private String offloadDone() {
        session.runOffloaded();
        pump();
        return session.take();
    }

    private String decide(AuthDecision decision) {
        session.decisions.get(session.decisions.size() - 1).complete(decision);
        pump();
        return session.take();
    }

    private static PassDbResult user(String password) {
        return PassDbResult.found(Map.of("password", password, "proxy", "y", "host", "10.0.0.1"));
    }

    private static AuthDecision.Proxy proxy() {
        return new AuthDecision.Proxy(new BackendTarget(List.of("10.0.0.1"), 143, TlsMode.PLAIN, null),
                new BackendCredentials("tim", "proxy", "secret", BackendCredentials.Mechanism.PLAIN));
    }

    /** @return the base64 payload of a {@code +} continuation */
    private static String continuation(String line) {
        assertThat(line).startsWith("+ ").endsWith("\r\n");
        return line.substring(2, line.length() - 2);
    }

    @Test
    void testClientComputesTheRfc2195Example() {
        assertThat(TestSasl.cramDigest(RFC_PASSWORD, RFC_CHALLENGE)).isEqualTo(RFC_DIGEST);
        PasswordScheme schemes = PasswordScheme.dovecot();
        assertThat(schemes.verifyCramMd5("{PLAIN}" + RFC_PASSWORD, RFC_CHALLENGE, RFC_DIGEST)).isEqualTo(PasswordScheme.Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(RFC_PASSWORD_CRAM, RFC_CHALLENGE, RFC_DIGEST)).isEqualTo(PasswordScheme.Verdict.MATCH);
    }

    @Test
    void everyRunnableMechanismIsAdvertised() {
        assertThat(open()).isEqualTo("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN"
                + " AUTH=CRAM-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256] mailproxy ready.\r\n");
    }

    @Test
    void mechanismsTheStrategyDoesNotOfferAreNeitherAdvertisedNorAccepted() {
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN"));
        assertThat(open()).doesNotContain("CRAM-MD5").doesNotContain("SCRAM");
        assertThat(send("a AUTHENTICATE CRAM-MD5\r\n")).isEqualTo("a NO Unsupported authentication mechanism.\r\n");
        assertThat(send("b AUTHENTICATE SCRAM-SHA-256\r\n")).isEqualTo("b NO Unsupported authentication mechanism.\r\n");
        assertThat(session.lookups).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{PLAIN}" + RFC_PASSWORD, RFC_PASSWORD_CRAM})
    void cramMd5FromPlaintextOrCramMd5StoredPasswordLogsIn(String stored) {
        open();
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        assertThat(challenge).matches("<[0-9]+\\.[0-9]+@mailproxy>");
        assertThat(send(b64("tim " + TestSasl.cramDigest(RFC_PASSWORD, challenge)) + "\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        assertThat(session.lookups).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("tim");
            assertThat(r.mechanism()).isEqualTo("CRAM-MD5");
            assertThat(r.password()).isNull();
            assertThat(r.credentialsVerified()).isFalse();
        });
        assertThat(lookedUp(user(stored))).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        decide(proxy());
        assertThat(session.backendTarget.hosts()).containsExactly("10.0.0.1");
        assertThat(session.user).isEqualTo("tim");
    }

    @Test
    void cramMd5WithAWrongDigestIsRefusedAfterTheFailureDelay() {
        open();
        session.holdFailureReplies = true;
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("wrong", challenge)) + "\r\n");
        assertThat(lookedUp(user("{PLAIN}" + RFC_PASSWORD))).isEmpty();
        assertThat(session.delayed).hasSize(1);
        session.delayed.get(0).run();
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(session.outcome).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
        assertThat(send("b NOOP\r\n")).isEqualTo("b OK NOOP completed.\r\n");
    }

    @Test
    void cramMd5AgainstAHashedPasswordFailsCleanly() {
        open();
        session.holdFailureReplies = true;
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("secret", challenge)) + "\r\n");
        assertThat(lookedUp(user(SECRET_SHA512_CRYPT))).isEmpty();
        session.delayed.forEach(Runnable::run);
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void cramMd5AgainstAnUnknownSchemeIsATemporaryFailure() {
        open();
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("secret", challenge)) + "\r\n");
        assertThat(lookedUp(user("{NO-SUCH-SCHEME}abc"))).isEqualTo("a " + ImapClientHandler.UNAVAILABLE + "\r\n");
        assertThat(session.outcome).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(send("b NOOP\r\n")).isEqualTo("b OK NOOP completed.\r\n");
    }

    @Test
    void cramMd5ForAnUnknownUserGoesToTheStrategyUnverified() {
        open();
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("nobody " + TestSasl.cramDigest("x", challenge)) + "\r\n");
        lookedUp(PassDbResult.notFound());
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isFalse());
        assertThat(session.authorized).containsExactly(PassDbResult.notFound());
        assertThat(decide(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null)))
                .isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
    }

    @Test
    void cramMd5RefusesAnInitialResponseAndAMalformedOne() {
        open();
        assertThat(send("a AUTHENTICATE CRAM-MD5 " + b64("tim 00") + "\r\n"))
                .isEqualTo("a BAD This mechanism does not take an initial response.\r\n");
        continuation(send("b AUTHENTICATE CRAM-MD5\r\n"));
        assertThat(send(b64("nodigest") + "\r\n")).isEqualTo("b " + ImapClientHandler.AUTH_FAILED + "\r\n");
        continuation(send("c AUTHENTICATE CRAM-MD5\r\n"));
        assertThat(send("*\r\n")).isEqualTo("c BAD Authentication canceled.\r\n");
        assertThat(session.lookups).isEmpty();
    }

    @Test
    void cramMd5WorksWherePlaintextAuthIsNotAllowed() {
        session.plaintextAllowed = false;
        session.mechanisms = new LinkedHashSet<>(List.of("CRAM-MD5"));
        assertThat(open()).contains("AUTH=CRAM-MD5").contains("LOGINDISABLED");
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest(RFC_PASSWORD, challenge)) + "\r\n");
        lookedUp(user("{PLAIN}" + RFC_PASSWORD));
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
    }

    @Test
    void aSessionClosedDuringTheLookupWritesNothing() {
        open();
        String challenge = unb64(continuation(send("a AUTHENTICATE CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest(RFC_PASSWORD, challenge)) + "\r\n");
        handler.onClosed();
        session.close();
        session.lookupResults.get(0).complete(user("{PLAIN}" + RFC_PASSWORD));
        assertThat(session.take()).isEmpty();
        assertThat(session.authRequests).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-1", "SCRAM-SHA-256"})
    void scramLogsInAndTheTaggedReplyWaitsForTheClientsEmptyResponse(String mechanism) {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient(mechanism, "tim", RFC_PASSWORD);
        assertThat(send("a AUTHENTICATE " + mechanism + "\r\n")).isEqualTo("+ \r\n");
        assertThat(send(b64(client.clientFirst()) + "\r\n")).isEmpty();
        assertThat(session.lookups).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("tim");
            assertThat(r.mechanism()).isEqualTo(mechanism);
        });
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC_PASSWORD))));
        assertThat(send(b64(client.clientFinal(serverFirst)) + "\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        String serverFinal = unb64(continuation(offloadDone()));
        assertThat(client.serverFinalValid(serverFinal)).isTrue();
        assertThat(session.authRequests).isEmpty();
        assertThat(send("\r\n")).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        decide(proxy());
        assertThat(session.backendHandler).isNotNull();
    }

    @Test
    void scramTakesTheClientFirstMessageAsInitialResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC_PASSWORD);
        assertThat(send("a AUTHENTICATE SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n")).isEmpty();
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC_PASSWORD))));
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(client.serverFinalValid(unb64(continuation(offloadDone())))).isTrue();
        send("\r\n");
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
    }

    @Test
    void scramWithAWrongPasswordIsRefusedWithoutAServerSignature() {
        open();
        session.holdFailureReplies = true;
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", "wrong");
        send("a AUTHENTICATE SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC_PASSWORD))));
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(offloadDone()).isEmpty();
        session.delayed.forEach(Runnable::run);
        assertThat(session.take()).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void scramAgainstAHashedPasswordFailsCleanly() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", "secret");
        send("a AUTHENTICATE SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(user(SECRET_SHA512_CRYPT))));
        assertThat(send(b64(client.clientFinal(serverFirst)) + "\r\n")).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(session.offloaded).isEmpty();
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void scramForAnUnknownUserStillGetsAServerFirstMessage() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-1", "nobody", "x");
        send("a AUTHENTICATE SCRAM-SHA-1 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(PassDbResult.notFound())));
        assertThat(serverFirst).startsWith("r=").contains(",s=").contains(",i=");
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(session.authorized).containsExactly(PassDbResult.notFound());
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isFalse());
    }

    @Test
    void scramWithAPassDbFailureIsTemporary() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-1", "tim", "x");
        send("a AUTHENTICATE SCRAM-SHA-1 " + b64(client.clientFirst()) + "\r\n");
        assertThat(lookedUp(PassDbResult.temporaryFailure("db down"))).isEmpty();
        assertThat(session.authorized).singleElement().satisfies(r -> assertThat(r.status())
                .isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE));
        assertThat(decide(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null))).startsWith("a NO [UNAVAILABLE]");
    }

    @Test
    void scramRefusesAnotherUsersAuthorizationIdAndGarbage() {
        open();
        TestSasl.ScramClient other = new TestSasl.ScramClient("SCRAM-SHA-256", "bob", "tim", RFC_PASSWORD);
        assertThat(send("a AUTHENTICATE SCRAM-SHA-256 " + b64(other.clientFirst()) + "\r\n"))
                .isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(send("b AUTHENTICATE SCRAM-SHA-256 " + b64("p=tls-unique,,n=tim,r=abc") + "\r\n"))
                .isEqualTo("b " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(send("c AUTHENTICATE SCRAM-SHA-256 not-base64\r\n")).isEqualTo("c BAD Invalid base64 data in SASL response.\r\n");
        assertThat(session.lookups).isEmpty();
    }

    @Test
    void scramCanBeCancelledInsteadOfTheFinalEmptyResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC_PASSWORD);
        send("a AUTHENTICATE SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        send(b64(client.clientFinal(unb64(continuation(lookedUp(user("{PLAIN}" + RFC_PASSWORD)))))) + "\r\n");
        continuation(offloadDone());
        assertThat(send("*\r\n")).isEqualTo("a BAD Authentication canceled.\r\n");
        assertThat(session.authRequests).isEmpty();
        assertThat(send("b NOOP\r\n")).isEqualTo("b OK NOOP completed.\r\n");
    }

    @Test
    void scramRefusesAnythingButAnEmptyFinalResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC_PASSWORD);
        send("a AUTHENTICATE SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        send(b64(client.clientFinal(unb64(continuation(lookedUp(user("{PLAIN}" + RFC_PASSWORD)))))) + "\r\n");
        continuation(offloadDone());
        assertThat(send(b64("more") + "\r\n")).isEqualTo("a " + ImapClientHandler.AUTH_FAILED + "\r\n");
        assertThat(session.authRequests).isEmpty();
    }

    /** The client's side of a whole SCRAM exchange, each line split at every byte boundary. */
    @Test
    void scramLinesSplitAtEveryByteGiveTheSameConversation() {
        TestSasl.ScramClient probe = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC_PASSWORD);
        String firstLine = "a AUTHENTICATE SCRAM-SHA-256 " + b64(probe.clientFirst()) + "\r\n";
        for (List<byte[]> chunks : Chunks.splits(firstLine)) {
            FakeClientSession s = new ImapFakeSession();
            s.mechanisms = session.mechanisms;
            s.settings = SETTINGS;
            ImapClientHandler h = new ImapClientHandler(s);
            h.onOpen();
            s.take();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            List<String> out = new ArrayList<>();
            for (byte[] chunk : chunks) {
                buffer.put(chunk).flip();
                h.onInput(buffer);
                buffer.compact();
            }
            out.add(s.take());
            assertThat(out).containsExactly("");
            assertThat(s.lookups).singleElement().satisfies(r -> assertThat(r.user()).isEqualTo("tim"));
            s.lookupResults.get(0).complete(user("{PLAIN}" + RFC_PASSWORD));
            String serverFirst = unb64(continuation(s.take()));
            String finalLine = b64(probe.clientFinal(serverFirst)) + "\r\n";
            for (byte[] piece : Chunks.splits(finalLine).get(chunks.size() == 1 ? 0 : Math.min(chunks.size(), finalLine.length()) - 1)) {
                buffer.put(piece).flip();
                h.onInput(buffer);
                buffer.compact();
            }
            s.runOffloaded();
            assertThat(probe.serverFinalValid(unb64(continuation(s.take())))).isTrue();
            for (byte b : "\r\n".getBytes(StandardCharsets.US_ASCII)) {
                buffer.put(b).flip();
                h.onInput(buffer);
                buffer.compact();
            }
            assertThat(s.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        }
    }
}
