package io.github.mailproxy.spi;

import static io.github.mailproxy.testing.TestSasl.unb64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.testing.FakeClientSession;
import io.github.mailproxy.testing.TestSasl;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SASL server on its own: each mechanism's steps, cancel, bad input, and nothing looked up for bad credentials. */
class SaslServerTest {

    private static final SaslStep REFUSED = new SaslStep.Failed(SaslStep.Reason.REFUSED);
    private static final SaslStep MALFORMED = new SaslStep.Failed(SaslStep.Reason.MALFORMED);

    private final FakeClientSession session = new FakeClientSession("imap", "s1",
            new InetSocketAddress("192.0.2.7", 40001), new InetSocketAddress("198.51.100.1", 143),
            new SessionSettings(100, 50, 5, false, 5));

    private static SaslStep now(CompletionStage<SaslStep> stage) {
        CompletableFuture<SaslStep> future = stage.toCompletableFuture();
        assertThat(future).as("step completed at once").isDone();
        return future.join();
    }

    private static Sasl.PlainCredentials credentials(SaslStep step) {
        assertThat(step).isInstanceOf(SaslStep.Credentials.class);
        return ((SaslStep.Credentials) step).credentials();
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static PassDbResult user(String password) {
        return PassDbResult.found(Map.of("password", password));
    }

    private SaslServer start(String mechanism) {
        return SaslServer.start(session, session, mechanism);
    }

    @Test
    void plainWithAnInitialResponseGivesTheCredentialsAtOnce() {
        assertThat(now(start("PLAIN").begin(TestSasl.b64("\0alice\0pass word"))))
                .isEqualTo(new SaslStep.Credentials(new Sasl.PlainCredentials("", "alice", "pass word")));
        assertThat(session.lookupResults).isEmpty();
    }

    @Test
    void plainWithoutAnInitialResponseSendsAnEmptyChallengeFirst() {
        SaslServer plain = start("PLAIN");
        assertThat(now(plain.begin(null))).isEqualTo(new SaslStep.Challenge(""));
        assertThat(credentials(now(plain.respond(TestSasl.b64("alice\0alice\0pw")))).authorizationId()).isEqualTo("alice");
    }

    @Test
    void plainKeepsTheClientsBytesExactly() {
        byte[] user = {'j', (byte) 0xe4};           // Latin-1, not UTF-8
        byte[] password = {'p', (byte) 0xc3, (byte) 0xa4, 's'};
        Sasl.PlainCredentials c = credentials(now(start("PLAIN").begin(b64(concat(new byte[] {0}, user,
                new byte[] {0}, password)))));
        assertThat(c.authenticationIdBytes()).isEqualTo(user);
        assertThat(c.passwordBytes()).isEqualTo(password);
        assertThat(c.authenticationId()).isEqualTo("jä");
        assertThat(c.password()).isEqualTo("päs");
    }

    @Test
    void anotherAuthorizationIdentityIsRefusedAsAFailedLogin() {
        assertThat(now(start("PLAIN").begin(TestSasl.b64("bob\0alice\0pw")))).isEqualTo(REFUSED);
    }

    @Test
    void scramWithAnotherAuthorizationIdentityIsRefusedBeforeAnyLookup() {
        SaslServer scram = start("SCRAM-SHA-256");
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "bob", "alice", "pw");
        assertThat(now(scram.begin(TestSasl.b64(client.clientFirst())))).isEqualTo(REFUSED);
        assertThat(session.lookupResults).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\0b\0ob\0pw", "\0bob\0p\0w", "\0bob\0p\rw", "\0b\nob\0pw", "alice\0pw", "\0\0pw"})
    void aNulCrLfOrABadPlainMessageIsRefusedWithoutALookup(String message) {
        assertThat(now(start("PLAIN").begin(TestSasl.b64(message)))).isEqualTo(REFUSED);
        assertThat(session.lookupResults).isEmpty();
    }

    @Test
    void anEmptyPlainResponseIsRefused() {
        assertThat(now(start("PLAIN").begin("="))).isEqualTo(REFUSED);
    }

    @Test
    void loginAsksForTheUserThenThePassword() {
        SaslServer login = start("LOGIN");
        assertThat(now(login.begin(null))).isEqualTo(new SaslStep.Challenge(Sasl.LOGIN_USER_PROMPT));
        assertThat(now(login.respond(TestSasl.b64("alice")))).isEqualTo(new SaslStep.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        Sasl.PlainCredentials c = credentials(now(login.respond(TestSasl.b64("s3cret"))));
        assertThat(c.authenticationId()).isEqualTo("alice");
        assertThat(c.password()).isEqualTo("s3cret");
        assertThat(c.authorizationId()).isEmpty();
    }

    @Test
    void loginsInitialResponseIsTheUserAndAnEmptyPasswordIsAllowed() {
        SaslServer login = start("LOGIN");
        assertThat(now(login.begin(TestSasl.b64("alice")))).isEqualTo(new SaslStep.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        assertThat(credentials(now(login.respond(""))).password()).isEmpty();
    }

    @Test
    void aNulInALoginUserNameIsRefusedAfterThePasswordPrompt() {
        SaslServer login = start("LOGIN");
        login.begin(null);
        assertThat(now(login.respond(b64(new byte[] {'b', 0, 'b'}))))
                .isEqualTo(new SaslStep.Challenge(Sasl.LOGIN_PASSWORD_PROMPT));
        assertThat(now(login.respond(TestSasl.b64("pw")))).isEqualTo(REFUSED);
        assertThat(session.lookupResults).isEmpty();
    }

    @Test
    void anEmptyLoginUserIsRefused() {
        SaslServer login = start("LOGIN");
        login.begin("=");
        assertThat(now(login.respond(TestSasl.b64("pw")))).isEqualTo(REFUSED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"})
    void aStarCancelsEveryMechanism(String mechanism) {
        SaslServer server = start(mechanism);
        server.begin(null);
        assertThat(now(server.respond("*"))).isEqualTo(new SaslStep.Cancelled());
        assertThat(session.lookupResults).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"})
    void badBase64IsAProtocolError(String mechanism) {
        SaslServer server = start(mechanism);
        server.begin(null);
        assertThat(now(server.respond("not*base64"))).isEqualTo(MALFORMED);
    }

    @Test
    void cramMd5TakesNoInitialResponse() {
        assertThat(now(start("CRAM-MD5").begin("abc")))
                .isEqualTo(new SaslStep.Failed(SaslStep.Reason.INITIAL_RESPONSE_NOT_ALLOWED));
    }

    @Test
    void cramMd5WithTheRightDigestIsAuthorizedAsVerified() {
        SaslServer cram = start("CRAM-MD5");
        String challenge = ((SaslStep.Challenge) now(cram.begin(null))).base64();
        CompletionStage<SaslStep> step = cram.respond(TestSasl.cramResponse("tim", "tanstaaftanstaaf", challenge));
        assertThat(step.toCompletableFuture()).as("waits for the PassDb").isNotDone();
        session.lookedUp(user("{PLAIN}tanstaaftanstaaf"));
        SaslStep.Authorize authorize = (SaslStep.Authorize) now(step);
        assertThat(authorize.request().user()).isEqualTo("tim");
        assertThat(authorize.request().credentialsVerified()).isTrue();
        assertThat(session.user).isEqualTo("tim");
    }

    @Test
    void cramMd5WithAWrongDigestIsRefused() {
        SaslServer cram = start("CRAM-MD5");
        String challenge = ((SaslStep.Challenge) now(cram.begin(null))).base64();
        CompletionStage<SaslStep> step = cram.respond(TestSasl.cramResponse("tim", "wrong", challenge));
        session.lookedUp(user("{PLAIN}tanstaaftanstaaf"));
        assertThat(now(step)).isEqualTo(REFUSED);
    }

    @Test
    void cramMd5ForAnUnknownUserLeavesTheAnswerToTheStrategy() {
        SaslServer cram = start("CRAM-MD5");
        String challenge = ((SaslStep.Challenge) now(cram.begin(null))).base64();
        CompletionStage<SaslStep> step = cram.respond(TestSasl.cramResponse("nobody", "pw", challenge));
        session.lookupResults.get(0).completeExceptionally(new IllegalStateException("down"));
        SaslStep.Authorize authorize = (SaslStep.Authorize) now(step);
        assertThat(authorize.request().credentialsVerified()).isFalse();
        assertThat(authorize.result().status()).isEqualTo(PassDbResult.Status.TEMPORARY_FAILURE);
    }

    @Test
    void anUnknownStoredSchemeMakesCramMd5Unavailable() {
        SaslServer cram = start("CRAM-MD5");
        String challenge = ((SaslStep.Challenge) now(cram.begin(null))).base64();
        CompletionStage<SaslStep> step = cram.respond(TestSasl.cramResponse("tim", "pw", challenge));
        session.lookedUp(user("{NO-SUCH-SCHEME}abc"));
        assertThat(now(step)).isEqualTo(new SaslStep.Failed(SaslStep.Reason.UNAVAILABLE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-1", "SCRAM-SHA-256"})
    void scramRunsItsFourStepsSplitOverResponses(String mechanism) {
        SaslServer scram = start(mechanism);
        TestSasl.ScramClient client = new TestSasl.ScramClient(mechanism, "alice", "pencil");
        assertThat(now(scram.begin(null))).isEqualTo(new SaslStep.Challenge(""));

        CompletionStage<SaslStep> first = scram.respond(TestSasl.b64(client.clientFirst()));
        session.lookedUp(user("{PLAIN}pencil"));
        String serverFirst = unb64(((SaslStep.Challenge) now(first)).base64());

        CompletionStage<SaslStep> fin = scram.respond(TestSasl.b64(client.clientFinal(serverFirst)));
        assertThat(fin.toCompletableFuture()).as("the key derivation runs off the loop").isNotDone();
        session.runOffloaded();
        String serverFinal = unb64(((SaslStep.Challenge) now(fin)).base64());
        assertThat(client.serverFinalValid(serverFinal)).isTrue();

        SaslStep.Authorize authorize = (SaslStep.Authorize) now(scram.respond(""));
        assertThat(authorize.request().credentialsVerified()).isTrue();
        assertThat(authorize.request().user()).isEqualTo("alice");
    }

    @Test
    void scramWithAWrongPasswordIsRefused() {
        SaslServer scram = start("SCRAM-SHA-256");
        TestSasl.ScramClient client = new TestSasl.ScramClient("SCRAM-SHA-256", "alice", "wrong");
        scram.begin(null);
        CompletionStage<SaslStep> first = scram.respond(TestSasl.b64(client.clientFirst()));
        session.lookedUp(user("{PLAIN}pencil"));
        String serverFirst = unb64(((SaslStep.Challenge) now(first)).base64());
        CompletionStage<SaslStep> fin = scram.respond(TestSasl.b64(client.clientFinal(serverFirst)));
        session.runOffloaded();
        assertThat(now(fin)).isEqualTo(REFUSED);
    }

    @Test
    void aResponseAfterTheEndIsRefused() {
        SaslServer plain = start("PLAIN");
        plain.begin(TestSasl.b64("\0alice\0pw"));
        assertThat(now(plain.respond(TestSasl.b64("\0alice\0pw")))).isEqualTo(REFUSED);
    }

    @Test
    void otherMechanismsCannotStart() {
        assertThatThrownBy(() -> start("GSSAPI")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SaslServer.plaintext("PLAIN")).isTrue();
        assertThat(SaslServer.plaintext("CRAM-MD5")).isFalse();
    }

    @Test
    void credentialsHideThePassword() {
        SaslStep step = now(start("PLAIN").begin(TestSasl.b64("\0alice\0hunter2")));
        assertThat(step.toString()).contains("alice").doesNotContain("hunter2");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
