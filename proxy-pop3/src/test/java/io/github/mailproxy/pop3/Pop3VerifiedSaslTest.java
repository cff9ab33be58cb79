package io.github.mailproxy.pop3;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AUTH CRAM-MD5, AUTH SCRAM-SHA-1/256 (RFC 5034 framing) and APOP (RFC 1939), which the proxy verifies
 * itself against the stored password in master-user mode, against an in-memory session.
 */
class Pop3VerifiedSaslTest {

    /** RFC 2195 section 2's example. */
    private static final String RFC2195_CHALLENGE = "<1896.697170952@postoffice.reston.mci.net>";
    private static final String RFC2195_PASSWORD = "tanstaaftanstaaf";
    private static final String RFC2195_DIGEST = "b913a602c7eda7a495b4e6e7334d3890";
    /** {@code doveadm pw -s CRAM-MD5 -p tanstaaftanstaaf} (Dovecot 2.3.19). */
    private static final String RFC2195_PASSWORD_CRAM =
            "{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b";
    /** RFC 1939 section 7's example. */
    private static final String RFC1939_TIMESTAMP = "<1896.697170952@dbc.mtview.ca.us>";
    private static final String RFC1939_PASSWORD = "tanstaaf";
    private static final String RFC1939_DIGEST = "c4c9334bac560ecc979e58001b3e22fb";
    /** {@code doveadm pw -s SHA512-CRYPT -p secret}. */
    private static final String SECRET_SHA512_CRYPT = "{SHA512-CRYPT}$6$fU4lyK7ln9bUIh2W$YAbRgkucwJwuRnfSJZ0q6gmSwHOJUoIb"
            + "mWwY9Id.mlXz/OUoy5ooeifPzOb42iC.wHD4QRKbTVlaBGCsT8J/I0";
    private static final List<String> ALL = List.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "APOP");
    private static final String AUTH_FAILED = "-ERR [AUTH] Authentication failed.\r\n";
    private static final String SYS_TEMP = "-ERR [SYS/TEMP] Temporary authentication failure.\r\n";

    private Pop3FakeSession session = newSession();
    private Pop3ClientHandler handler;
    private String greeting;

    private static Pop3FakeSession newSession() {
        Pop3FakeSession s = new Pop3FakeSession();
        s.mechanisms = new LinkedHashSet<>(ALL);
        return s;
    }

    private void open() {
        handler = session.open();
        greeting = session.take();
    }

    private String send(String text) {
        session.send(text);
        return session.take();
    }

    private String lookedUp(PassDbResult result) {
        session.lookedUp(result);
        return session.take();
    }

    private String offloadDone() {
        session.runOffloaded();
        return session.take();
    }

    private String afterDelay() {
        session.endFailureDelay();
        session.offer();
        return session.take();
    }

    private static PassDbResult user(String password) {
        return PassDbResult.found(Map.of("password", password, "proxy", "y", "host", "10.0.0.1"));
    }

    private static AuthDecision.Proxy proxy() {
        return new AuthDecision.Proxy(new BackendTarget(List.of("10.0.0.1"), 110, TlsMode.PLAIN, null),
                new BackendCredentials("tim", "proxy", "secret", BackendCredentials.Mechanism.PLAIN));
    }

    /** @return the base64 payload of a {@code +} continuation */
    private static String continuation(String line) {
        assertThat(line).startsWith("+ ").endsWith("\r\n");
        return line.substring(2, line.length() - 2);
    }

    /**
     * Sends one line in pieces: whole for {@code cut == 0}, byte by byte for {@code cut < 0}, else
     * in two pieces cut there (or whole when the line is shorter).
     */
    private static void sendSplit(Pop3FakeSession s, String line, int cut) {
        if (cut < 0) {
            for (int i = 0; i < line.length(); i++) {
                s.send(line.substring(i, i + 1));
            }
        } else if (cut == 0 || cut >= line.length()) {
            s.send(line);
        } else {
            s.send(line.substring(0, cut));
            s.send(line.substring(cut));
        }
    }

    // ---- the RFC examples, as the client computes them and as the proxy checks them

    @Test
    void rfc2195ExampleIsComputedByTheTestClientAndAcceptedByTheSchemes() {
        assertThat(TestSasl.cramDigest(RFC2195_PASSWORD, RFC2195_CHALLENGE)).isEqualTo(RFC2195_DIGEST);
        PasswordScheme schemes = PasswordScheme.dovecot();
        assertThat(schemes.verifyCramMd5("{PLAIN}" + RFC2195_PASSWORD, RFC2195_CHALLENGE, RFC2195_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.MATCH);
        assertThat(schemes.verifyCramMd5(RFC2195_PASSWORD_CRAM, RFC2195_CHALLENGE, RFC2195_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.MATCH);
    }

    @Test
    void rfc1939ApopExampleMatches() {
        assertThat(TestApop.apopDigest(RFC1939_TIMESTAMP, RFC1939_PASSWORD)).isEqualTo(RFC1939_DIGEST);
        assertThat(ApopDigest.digest(RFC1939_TIMESTAMP, RFC1939_PASSWORD)).isEqualTo(RFC1939_DIGEST);
        PasswordScheme schemes = PasswordScheme.dovecot();
        assertThat(ApopDigest.verify(schemes, "{PLAIN}tanstaaf", RFC1939_TIMESTAMP, RFC1939_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.MATCH);
        assertThat(ApopDigest.verify(schemes, "tanstaaf", RFC1939_TIMESTAMP, RFC1939_DIGEST.toUpperCase()))
                .as("no prefix means the default scheme PLAIN; hex in either case").isEqualTo(PasswordScheme.Verdict.MATCH);
        assertThat(ApopDigest.verify(schemes, "{PLAIN}tanstaaf", "<1896.697170953@dbc.mtview.ca.us>", RFC1939_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.MISMATCH);
        assertThat(ApopDigest.verify(schemes, "{PLAIN}tanstaag", RFC1939_TIMESTAMP, RFC1939_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.MISMATCH);
        assertThat(ApopDigest.verify(schemes, SECRET_SHA512_CRYPT, RFC1939_TIMESTAMP, RFC1939_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.UNSUPPORTED_MECHANISM);
        assertThat(ApopDigest.verify(schemes, "{NO-SUCH-SCHEME}x", RFC1939_TIMESTAMP, RFC1939_DIGEST))
                .isEqualTo(PasswordScheme.Verdict.UNKNOWN_SCHEME);
    }

    // ---- what is advertised

    @Test
    void capaAndBareAuthListOnlyTheSaslMechanismsThisModuleRuns() {
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "GSSAPI", "CRAM-MD5", "APOP", "SCRAM-SHA-1", "SCRAM-SHA-256"));
        open();
        assertThat(send("CAPA\r\n")).contains("\r\nSASL PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256\r\n");
        assertThat(send("AUTH\r\n")).isEqualTo("+OK\r\nPLAIN\r\nCRAM-MD5\r\nSCRAM-SHA-1\r\nSCRAM-SHA-256\r\n.\r\n");
        assertThat(send("AUTH GSSAPI\r\n")).isEqualTo("-ERR Unsupported authentication mechanism.\r\n");
    }

    @Test
    void apopOfferedMeansATimestampInTheGreeting() {
        open();
        assertThat(greeting).matches("\\+OK mailproxy ready\\. <[0-9]+\\.[0-9]+@mailproxy>\r\n");
        Pop3FakeSession other = newSession();
        other.open();
        assertThat(TestApop.timestamp(other.take())).as("a fresh timestamp per session")
                .isNotEqualTo(TestApop.timestamp(greeting));
    }

    @Test
    void mechanismsTheStrategyDoesNotOfferAreNeitherAdvertisedNorAccepted() {
        session.mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN"));
        open();
        assertThat(greeting).isEqualTo("+OK mailproxy ready.\r\n");
        assertThat(send("CAPA\r\n")).contains("SASL PLAIN LOGIN\r\n").doesNotContain("CRAM").doesNotContain("SCRAM");
        assertThat(send("AUTH CRAM-MD5\r\n")).isEqualTo("-ERR Unsupported authentication mechanism.\r\n");
        assertThat(send("AUTH SCRAM-SHA-256\r\n")).isEqualTo("-ERR Unsupported authentication mechanism.\r\n");
        assertThat(send("APOP mrose " + RFC1939_DIGEST + "\r\n")).isEqualTo("-ERR APOP is not available.\r\n");
        assertThat(session.lookups).isEmpty();
    }

    // ---- APOP

    @Test
    void apopWithTheRightDigestIsVerifiedAndProxied() {
        open();
        String digest = TestApop.apopDigest(TestApop.timestamp(greeting), RFC1939_PASSWORD);
        assertThat(send("APOP mrose " + digest + "\r\nSTAT\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        assertThat(session.user).isEqualTo("mrose");
        assertThat(session.lookups).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("mrose");
            assertThat(r.mechanism()).isEqualTo("APOP");
            assertThat(r.password()).isNull();
            assertThat(r.credentialsVerified()).isFalse();
        });
        assertThat(lookedUp(user("{PLAIN}" + RFC1939_PASSWORD))).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.credentialsVerified()).isTrue();
            assertThat(r.mechanism()).isEqualTo("APOP");
        });
        session.decide(proxy());
        assertThat(session.backendTarget.hosts()).containsExactly("10.0.0.1");
        assertThat(session.unread()).as("pipelined command left for the backend").isEqualTo("STAT\r\n");
    }

    @Test
    void apopWithAWrongDigestIsRefusedAfterTheFailureDelay() {
        open();
        send("APOP mrose " + TestApop.apopDigest(TestApop.timestamp(greeting), "wrong") + "\r\n");
        assertThat(lookedUp(user("{PLAIN}" + RFC1939_PASSWORD))).isEmpty();
        assertThat(session.delayed).hasSize(1);
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.lastOutcome()).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
        assertThat(session.paused).isFalse();
        assertThat(send("CAPA\r\n")).startsWith("+OK Capability list follows.");
    }

    @Test
    void apopAgainstAHashedPasswordIsAnOrdinaryRefusal() {
        open();
        send("APOP tim " + TestApop.apopDigest(TestApop.timestamp(greeting), "secret") + "\r\n");
        assertThat(lookedUp(user(SECRET_SHA512_CRYPT))).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void apopAgainstAnUnusableStoredValueIsATemporaryFailure() {
        open();
        send("APOP tim " + TestApop.apopDigest(TestApop.timestamp(greeting), "secret") + "\r\n");
        assertThat(lookedUp(user("{NO-SUCH-SCHEME}abc"))).isEqualTo(SYS_TEMP);
        assertThat(session.lastOutcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(session.delayed).isEmpty();
        assertThat(send("CAPA\r\n")).startsWith("+OK");
    }

    @Test
    void apopForAnUnknownUserGoesToTheStrategyUnverified() {
        open();
        send("APOP nobody " + TestApop.apopDigest(TestApop.timestamp(greeting), "x") + "\r\n");
        lookedUp(PassDbResult.notFound());
        assertThat(session.authorized).containsExactly(PassDbResult.notFound());
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isFalse());
        session.decide(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
        assertThat(session.take()).isEqualTo(AUTH_FAILED);
    }

    @Test
    void apopWithAFailingPassDbIsTemporary() {
        open();
        send("APOP tim " + TestApop.apopDigest(TestApop.timestamp(greeting), "x") + "\r\n");
        session.lookupResults.get(0).completeExceptionally(new IllegalStateException("db down"));
        assertThat(session.authorized).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE));
        session.decide(new AuthDecision.Reject(AuthDecision.Failure.TEMPORARY, null));
        assertThat(session.take()).isEqualTo(SYS_TEMP);
    }

    @Test
    void malformedApopIsAnError() {
        open();
        assertThat(send("APOP\r\nAPOP mrose\r\nAPOP mrose xyz\r\nAPOP mrose " + RFC1939_DIGEST + "0\r\n"))
                .isEqualTo("-ERR APOP needs a user name and a digest.\r\n".repeat(4));
        assertThat(session.lookups).isEmpty();
    }

    @Test
    void apopWorksWherePlaintextAuthIsNotAllowed() {
        session.plaintextAllowed = false;
        session.mechanisms = new LinkedHashSet<>(List.of("CRAM-MD5", "APOP"));
        open();
        assertThat(send("CAPA\r\n")).contains("SASL CRAM-MD5\r\n").doesNotContain("USER");
        send("APOP mrose " + TestApop.apopDigest(TestApop.timestamp(greeting), RFC1939_PASSWORD) + "\r\n");
        lookedUp(user("{PLAIN}" + RFC1939_PASSWORD));
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
    }

    @Test
    void aSessionClosedDuringTheApopLookupWritesNothing() {
        open();
        send("APOP mrose " + TestApop.apopDigest(TestApop.timestamp(greeting), RFC1939_PASSWORD) + "\r\n");
        handler.onClosed();
        session.lookupResults.get(0).complete(user("{PLAIN}" + RFC1939_PASSWORD));
        assertThat(session.take()).isEmpty();
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void apopLineSplitAtEveryByteIsTheSameLogin() {
        for (int cut = -1; cut < 60; cut++) {
            session = newSession();
            open();
            String line = "APOP mrose " + TestApop.apopDigest(TestApop.timestamp(greeting), RFC1939_PASSWORD) + "\r\n";
            assertThat(line).hasSizeLessThan(60);
            sendSplit(session, line, cut);
            assertThat(session.take()).isEmpty();
            assertThat(session.lookups).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.user()).isEqualTo("mrose"));
            lookedUp(user("{PLAIN}" + RFC1939_PASSWORD));
            assertThat(session.authRequests).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        }
    }

    // ---- CRAM-MD5

    @ParameterizedTest
    @ValueSource(strings = {"{PLAIN}" + RFC2195_PASSWORD, RFC2195_PASSWORD_CRAM})
    void cramMd5FromAPlaintextOrCramMd5StoredPasswordLogsIn(String stored) {
        open();
        String challenge = unb64(continuation(send("AUTH CRAM-MD5\r\n")));
        assertThat(challenge).matches("<[0-9]+\\.[0-9]+@mailproxy>");
        assertThat(send(b64("tim " + TestSasl.cramDigest(RFC2195_PASSWORD, challenge)) + "\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        assertThat(session.lookups).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("tim");
            assertThat(r.mechanism()).isEqualTo("CRAM-MD5");
            assertThat(r.password()).isNull();
        });
        assertThat(lookedUp(user(stored))).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        session.decide(proxy());
        assertThat(session.backendHandler).isNotNull();
        assertThat(session.user).isEqualTo("tim");
    }

    @Test
    void cramMd5WithAWrongDigestIsRefusedAfterTheFailureDelay() {
        open();
        String challenge = unb64(continuation(send("AUTH CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("wrong", challenge)) + "\r\n");
        assertThat(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD))).isEmpty();
        assertThat(session.delayed).hasSize(1);
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.lastOutcome()).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
        assertThat(send("CAPA\r\n")).startsWith("+OK");
    }

    @Test
    void cramMd5AgainstAHashedPasswordIsAnOrdinaryRefusal() {
        open();
        String challenge = unb64(continuation(send("AUTH CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("secret", challenge)) + "\r\n");
        assertThat(lookedUp(user(SECRET_SHA512_CRYPT))).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
    }

    @Test
    void cramMd5AgainstAnUnknownSchemeIsATemporaryFailure() {
        open();
        String challenge = unb64(continuation(send("AUTH CRAM-MD5\r\n")));
        send(b64("tim " + TestSasl.cramDigest("secret", challenge)) + "\r\n");
        assertThat(lookedUp(user("{NO-SUCH-SCHEME}abc"))).isEqualTo(SYS_TEMP);
        assertThat(session.lastOutcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(send("CAPA\r\n")).startsWith("+OK");
    }

    @Test
    void cramMd5RefusesAnInitialResponseGarbageAndIsCancellable() {
        open();
        assertThat(send("AUTH CRAM-MD5 " + b64("tim 00") + "\r\n"))
                .isEqualTo("-ERR This mechanism does not take an initial response.\r\n");
        continuation(send("AUTH CRAM-MD5\r\n"));
        assertThat(send("not*base64\r\n")).isEqualTo("-ERR Invalid SASL response.\r\n");
        continuation(send("AUTH CRAM-MD5\r\n"));
        assertThat(send(b64("nodigest") + "\r\n")).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        continuation(send("AUTH CRAM-MD5\r\n"));
        assertThat(send("*\r\n")).isEqualTo("-ERR Authentication cancelled.\r\n");
        assertThat(session.lookups).isEmpty();
        assertThat(send("CAPA\r\n")).startsWith("+OK");
    }

    @Test
    void cramMd5ResponseSplitAtEveryByteIsTheSameLogin() {
        for (int cut = -1; cut < 60; cut++) {
            session = newSession();
            open();
            String challenge = unb64(continuation(send("AUTH CRAM-MD5\r\n")));
            String line = b64("tim " + TestSasl.cramDigest(RFC2195_PASSWORD, challenge)) + "\r\n";
            assertThat(line).hasSizeLessThan(60);
            sendSplit(session, line, cut);
            assertThat(session.take()).isEmpty();
            assertThat(session.lookups).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.user()).isEqualTo("tim"));
            lookedUp(user("{PLAIN}" + RFC2195_PASSWORD));
            assertThat(session.authRequests).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        }
    }

    // ---- SCRAM

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-1", "SCRAM-SHA-256"})
    void scramLogsInAndTheOkWaitsForTheClientsEmptyResponse(String mechanism) {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient(mechanism, "tim", RFC2195_PASSWORD);
        assertThat(send("AUTH " + mechanism + "\r\n")).isEqualTo("+ \r\n");
        assertThat(send(b64(client.clientFirst()) + "\r\n")).isEmpty();
        assertThat(session.lookups).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("tim");
            assertThat(r.mechanism()).isEqualTo(mechanism);
        });
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD))));
        assertThat(session.paused).isFalse();
        assertThat(send(b64(client.clientFinal(serverFirst)) + "\r\n")).isEmpty();
        assertThat(session.paused).isTrue();
        // RFC 5034 section 4: the server-final-message goes in a continuation, not in the +OK
        String serverFinal = unb64(continuation(offloadDone()));
        assertThat(client.serverFinalValid(serverFinal)).isTrue();
        assertThat(session.authRequests).isEmpty();
        assertThat(send("\r\n")).isEmpty();
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        session.decide(proxy());
        assertThat(session.backendHandler).isNotNull();
    }

    @Test
    void scramTakesTheClientFirstMessageAsInitialResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC2195_PASSWORD);
        assertThat(send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n")).isEmpty();
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD))));
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(client.serverFinalValid(unb64(continuation(offloadDone())))).isTrue();
        send("\r\n");
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
    }

    @Test
    void scramWithAWrongPasswordIsRefusedWithoutAServerSignature() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", "wrong");
        send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD))));
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(offloadDone()).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void scramAgainstAHashedPasswordIsRefusedWithoutHashing() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", "secret");
        send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(user(SECRET_SHA512_CRYPT))));
        assertThat(send(b64(client.clientFinal(serverFirst)) + "\r\n")).isEmpty();
        assertThat(session.offloaded).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void scramForAnUnknownUserStillGetsAServerFirstMessage() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-1", "nobody", "x");
        send("AUTH SCRAM-SHA-1 " + b64(client.clientFirst()) + "\r\n");
        String serverFirst = unb64(continuation(lookedUp(PassDbResult.notFound())));
        assertThat(serverFirst).startsWith("r=").contains(",s=").contains(",i=");
        send(b64(client.clientFinal(serverFirst)) + "\r\n");
        assertThat(session.authorized).containsExactly(PassDbResult.notFound());
        assertThat(session.authRequests).singleElement().satisfies(r -> assertThat(r.credentialsVerified()).isFalse());
        session.decide(new AuthDecision.Reject(AuthDecision.Failure.AUTH_FAILED, null));
        assertThat(session.take()).isEqualTo(AUTH_FAILED);
    }

    @Test
    void scramRefusesAnotherUsersAuthorizationIdAndGarbage() {
        open();
        TestSasl.ScramClient other = new TestSasl.ScramClient("SCRAM-SHA-256", "bob", "tim", RFC2195_PASSWORD);
        assertThat(send("AUTH SCRAM-SHA-256 " + b64(other.clientFirst()) + "\r\n")).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(send("AUTH SCRAM-SHA-256 " + b64("p=tls-unique,,n=tim,r=abc") + "\r\n")).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(send("AUTH SCRAM-SHA-256 not*base64\r\n")).isEqualTo("-ERR Invalid SASL response.\r\n");
        assertThat(session.lookups).isEmpty();
    }

    @Test
    void scramCanBeCancelledInsteadOfTheFinalEmptyResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC2195_PASSWORD);
        send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        send(b64(client.clientFinal(unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD)))))) + "\r\n");
        continuation(offloadDone());
        assertThat(send("*\r\n")).isEqualTo("-ERR Authentication cancelled.\r\n");
        assertThat(session.authRequests).isEmpty();
        assertThat(send("CAPA\r\n")).startsWith("+OK");
    }

    @Test
    void scramRefusesAnythingButAnEmptyFinalResponse() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC2195_PASSWORD);
        send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        send(b64(client.clientFinal(unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD)))))) + "\r\n");
        continuation(offloadDone());
        assertThat(send(b64("more") + "\r\n")).isEmpty();
        assertThat(afterDelay()).isEqualTo(AUTH_FAILED);
        assertThat(session.authRequests).isEmpty();
    }

    @Test
    void aSessionEndingDuringTheKeyDerivationWritesNothing() {
        open();
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC2195_PASSWORD);
        send("AUTH SCRAM-SHA-256 " + b64(client.clientFirst()) + "\r\n");
        send(b64(client.clientFinal(unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD)))))) + "\r\n");
        handler.onClosed();
        session.runOffloaded();
        assertThat(session.take()).isEmpty();
        assertThat(session.authRequests).isEmpty();
    }

    /** Every line of a whole SCRAM exchange split at the same byte boundary, for every boundary. */
    @Test
    void scramLinesSplitAtEveryByteGiveTheSameConversation() {
        int longest = 200;
        for (int cut = -1; cut < longest; cut++) {
            session = newSession();
            open();
            TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "tim", RFC2195_PASSWORD);
            sendSplit(session, "AUTH SCRAM-SHA-256\r\n", cut);
            assertThat(session.take()).isEqualTo("+ \r\n");
            sendSplit(session, b64(client.clientFirst()) + "\r\n", cut);
            assertThat(session.lookups).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.user()).isEqualTo("tim"));
            String serverFirst = unb64(continuation(lookedUp(user("{PLAIN}" + RFC2195_PASSWORD))));
            String finalLine = b64(client.clientFinal(serverFirst)) + "\r\n";
            assertThat(finalLine).hasSizeLessThan(longest);
            sendSplit(session, finalLine, cut);
            assertThat(client.serverFinalValid(unb64(continuation(offloadDone())))).as("cut %d", cut).isTrue();
            sendSplit(session, "\r\n", cut);
            assertThat(session.authRequests).as("cut %d", cut).singleElement()
                    .satisfies(r -> assertThat(r.credentialsVerified()).isTrue());
        }
    }
}
