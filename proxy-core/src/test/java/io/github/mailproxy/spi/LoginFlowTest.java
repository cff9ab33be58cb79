package io.github.mailproxy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthDecision.Failure;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendCredentials;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.SessionEvent.Outcome;
import io.github.mailproxy.TlsMode;
import io.github.mailproxy.testing.FakeBackendConnection;
import io.github.mailproxy.testing.FakeClientSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The login flow with a fake protocol: replies as words, a backend login the test completes. */
class LoginFlowTest {

    private static final BackendTarget TARGET = new BackendTarget(List.of("192.0.2.1"), 143, TlsMode.PLAIN, null, false);
    private static final BackendCredentials CREDENTIALS = BackendCredentials.forwarding("alice", "pw");

    private final FakeClientSession session = new FakeClientSession("fake", "s1",
            new InetSocketAddress("192.0.2.7", 40001), new InetSocketAddress("198.51.100.1", 143),
            new SessionSettings(100, 50, 5, false, 5));
    private final FakeProtocol protocol = new FakeProtocol();
    private final LoginFlow flow = new LoginFlow(session, session, protocol);
    private final Words replies = new Words();

    private void login() {
        flow.authenticate(session.authRequest("alice", "pw", "PLAIN"), replies);
    }

    @Test
    void aProxiedLoginConnectsTheBackendAndStartsTheRelayAfterTheReply() {
        login();
        assertThat(session.paused).isTrue();
        assertThat(flow.busy()).isTrue();

        session.decide(new AuthDecision.Proxy(TARGET, CREDENTIALS));
        assertThat(session.backendTarget).isEqualTo(TARGET);
        assertThat(session.backendHandler).isSameAs(protocol.login);
        assertThat(protocol.credentials).isEqualTo(CREDENTIALS);

        FakeBackendConnection backend = new FakeBackendConnection();
        protocol.done.accept(new BackendLoginResult.LoggedIn(backend, List.of("IMAP4rev1"), null));

        assertThat(replies.said).containsExactly("loggedIn [IMAP4rev1]");
        assertThat(session.relayed).isSameAs(backend);
        assertThat(session.outcome).isEqualTo(Outcome.PROXIED);
        assertThat(session.paused).isTrue();  // the relay takes over the input
        assertThat(flow.busy()).isTrue();
    }

    @Test
    void aBackendRefusalIsAnsweredAfterTheFailureDelayAsAPassDbRefusalIs() {
        session.holdFailureReplies = true;
        login();
        session.decide(new AuthDecision.Proxy(TARGET, CREDENTIALS));
        protocol.done.accept(new BackendLoginResult.Refused());

        assertThat(replies.said).isEmpty();
        assertThat(session.delayed).hasSize(1);
        session.endFailureDelay();

        assertThat(replies.said).containsExactly("authFailed");
        assertThat(session.outcome).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.paused).isFalse();
        assertThat(flow.busy()).isFalse();
    }

    @Test
    void aBackendThatIsUnavailableIsATemporaryFailureAtOnceWithItsCode() {
        session.holdFailureReplies = true;
        login();
        session.decide(new AuthDecision.Proxy(TARGET, CREDENTIALS));
        protocol.done.accept(new BackendLoginResult.Unavailable("IN-USE"));

        assertThat(replies.said).containsExactly("backendUnavailable IN-USE");
        assertThat(session.delayed).isEmpty();
        assertThat(session.outcome).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(session.paused).isFalse();
    }

    @Test
    void aStrategyThatCompletesWithNullAndNoExceptionIsATemporaryFailure() {
        login();
        session.decisions.get(0).complete(null);

        assertThat(replies.said).containsExactly("temporaryFailure null");
        assertThat(session.outcome).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(flow.busy()).isFalse();
    }

    @Test
    void aFailedDecisionIsATemporaryFailure() {
        login();
        session.decisions.get(0).completeExceptionally(new IllegalStateException("passdb down"));

        assertThat(replies.said).containsExactly("temporaryFailure null");
    }

    @Test
    void eachRejectionGetsItsOwnWordsAndOutcome() {
        record Case(AuthDecision decision, String words, Outcome outcome) {
        }
        for (Case c : List.of(
                new Case(new AuthDecision.Reject(Failure.AUTH_FAILED, null), "authFailed", Outcome.AUTH_FAILED),
                new Case(new AuthDecision.Reject(Failure.TEMPORARY, "later"), "temporaryFailure later", Outcome.TEMPORARY_FAILURE),
                new Case(new AuthDecision.Reject(Failure.MECHANISM_NOT_SUPPORTED, "no"), "mechanismNotSupported no", Outcome.AUTH_FAILED),
                new Case(new AuthDecision.Reject(Failure.LOGIN_DISABLED, "off"), "loginDisabled off", Outcome.AUTH_FAILED),
                new Case(new AuthDecision.Referral("imap.example.org", 143, "alice", null), "referral imap.example.org", Outcome.REFERRED))) {
            replies.said.clear();
            login();
            session.decide(c.decision());
            assertThat(replies.said).as(c.words()).containsExactly(c.words());
            assertThat(session.outcome).as(c.words()).isEqualTo(c.outcome());
            assertThat(flow.busy()).as(c.words()).isFalse();
        }
    }

    @Test
    void aLocalLoginWithoutAHandlerIsATemporaryFailure() {
        login();
        session.decide(new AuthDecision.Local("alice"));

        assertThat(replies.said).containsExactly("unavailable");
        assertThat(session.local).isNull();
        assertThat(flow.busy()).isFalse();
    }

    @Test
    void aLocalLoginIsAnsweredWithTheFilteredCapabilitiesThenHandedOverWithItsTag() {
        session.localCapabilities = List.of("IMAP4rev1", "IDLE");
        login();
        session.decide(new AuthDecision.Local("alice@example.org"));

        assertThat(replies.said).containsExactly("loggedInLocally [IMAP4rev1, IDLE]");
        assertThat(session.local).containsExactly("alice@example.org", "t1");
        assertThat(session.outcome).isEqualTo(Outcome.LOCAL);
        assertThat(session.paused).as("the local handler takes over the input").isTrue();
        assertThat(flow.busy()).isTrue();
    }

    @Test
    void aRefusalTheAuthServiceNeverSawWaitsForTheDelayToo() {
        session.holdFailureReplies = true;
        flow.refuse(replies);
        assertThat(session.paused).isTrue();
        assertThat(replies.said).isEmpty();

        session.endFailureDelay();

        assertThat(replies.said).containsExactly("authFailed");
        assertThat(session.paused).isFalse();
    }

    @Test
    void anAbandonedLoginClosesTheBackendLoginAndIgnoresLateAnswers() {
        session.holdFailureReplies = true;
        login();
        session.decide(new AuthDecision.Proxy(TARGET, CREDENTIALS));
        flow.abandon();
        assertThat(protocol.login.abandoned).isTrue();

        protocol.done.accept(new BackendLoginResult.Refused());
        session.endFailureDelay();

        assertThat(replies.said).isEmpty();
        assertThat(session.relayed).isNull();
    }

    @Test
    void aDecisionComingAfterTheClientLeftIsIgnored() {
        login();
        flow.abandon();
        session.decide(new AuthDecision.Proxy(TARGET, CREDENTIALS));

        assertThat(session.backendHandler).isNull();
        assertThat(replies.said).isEmpty();
    }

    @Test
    void aReplyThatThrowsEndsTheSessionWithTheInternalErrorWords() {
        replies.failOn = "authFailed";
        login();
        session.decide(new AuthDecision.Reject(Failure.AUTH_FAILED, null));

        assertThat(replies.said).containsExactly("authFailed", "internalError");
        assertThat(session.closed).isTrue();
    }

    @Test
    void aLookupHandsTheResultOnAndAFailedOneBecomesATemporaryFailure() {
        List<io.github.mailproxy.PassDbResult> seen = new ArrayList<>();
        AuthRequest request = session.authRequest("alice", null, "APOP");
        flow.lookup(request, replies, seen::add);
        assertThat(session.paused).isTrue();
        session.lookupResults.get(0).completeExceptionally(new IOException("down"));

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).status()).isEqualTo(io.github.mailproxy.PassDbResult.Status.TEMPORARY_FAILURE);
        assertThat(session.user).isEqualTo("alice");
    }

    @Test
    void aSaslExchangeChallengesThenLogsInWithTheClientsBytes() {
        flow.startSasl("LOGIN", null, replies);
        assertThat(flow.busy()).isFalse();
        flow.saslResponse(io.github.mailproxy.testing.TestSasl.b64("alice"), replies);
        flow.saslResponse(io.github.mailproxy.testing.TestSasl.b64("pw"), replies);

        assertThat(replies.said).containsExactly("challenge " + Sasl.LOGIN_USER_PROMPT,
                "challenge " + Sasl.LOGIN_PASSWORD_PROMPT, "saslEnded");
        assertThat(flow.busy()).isTrue();
        assertThat(session.authRequests).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("alice");
            assertThat(r.mechanism()).isEqualTo("LOGIN");
        });
    }

    @Test
    void aCancelledOrMalformedExchangeIsAnsweredAtOnce() {
        flow.startSasl("PLAIN", null, replies);
        flow.saslResponse("*", replies);
        flow.startSasl("PLAIN", "not*base64", replies);
        flow.startSasl("CRAM-MD5", "abc", replies);

        assertThat(replies.said).containsExactly("challenge ", "saslEnded", "saslCancelled",
                "saslEnded", "saslInvalid MALFORMED", "saslEnded", "saslInvalid INITIAL_RESPONSE_NOT_ALLOWED");
        assertThat(flow.busy()).isFalse();
        assertThat(session.paused).isFalse();
    }

    @Test
    void badSaslCredentialsAreRefusedAfterTheFailureDelay() {
        session.holdFailureReplies = true;
        flow.startSasl("PLAIN", io.github.mailproxy.testing.TestSasl.b64("bob\0alice\0pw"), replies);
        assertThat(replies.said).containsExactly("saslEnded");
        assertThat(session.paused).isTrue();

        session.endFailureDelay();
        assertThat(replies.said).containsExactly("saslEnded", "authFailed");
        assertThat(session.outcome).isEqualTo(Outcome.AUTH_FAILED);
        assertThat(session.paused).isFalse();
        assertThat(session.lookupResults).isEmpty();
    }

    @Test
    void inputIsPausedWhileAVerifiedExchangeWaitsForThePassDb() {
        flow.startSasl("SCRAM-SHA-256", null, replies);
        io.github.mailproxy.testing.TestSasl.ScramClient client =
                new io.github.mailproxy.testing.TestSasl.ScramClient("SCRAM-SHA-256", "alice", "pw");
        flow.saslResponse(io.github.mailproxy.testing.TestSasl.b64(client.clientFirst()), replies);
        assertThat(session.paused).isTrue();
        assertThat(flow.busy()).isTrue();

        session.lookedUp(io.github.mailproxy.PassDbResult.found(java.util.Map.of("password", "{PLAIN}pw")));
        assertThat(session.paused).isFalse();
        assertThat(flow.busy()).isFalse();
        assertThat(replies.said).hasSize(2).last().asString().startsWith("challenge ");
    }

    @Test
    void anAbandonedVerifiedExchangeNeitherRepliesNorAsksTheStrategy() {
        flow.startSasl("CRAM-MD5", null, replies);
        String challenge = replies.said.get(0).substring("challenge ".length());
        flow.saslResponse(io.github.mailproxy.testing.TestSasl.cramResponse("tim", "pw", challenge), replies);
        flow.abandon();
        session.lookedUp(io.github.mailproxy.PassDbResult.found(java.util.Map.of("password", "{PLAIN}pw")));

        assertThat(replies.said).hasSize(1);
        assertThat(session.authRequests).isEmpty();
    }

    /** Replies as words, to compare. */
    private static final class Words implements LoginReplies {
        final List<String> said = new ArrayList<>();
        String failOn;

        private void say(String words) {
            said.add(words);
            if (words.equals(failOn)) {
                throw new IllegalStateException("a bug in the protocol's replies");
            }
        }

        @Override
        public void authFailed() {
            say("authFailed");
        }

        @Override
        public void temporaryFailure(String reason) {
            say("temporaryFailure " + reason);
        }

        @Override
        public void mechanismNotSupported(String reason) {
            say("mechanismNotSupported " + reason);
        }

        @Override
        public void loginDisabled(String reason) {
            say("loginDisabled " + reason);
        }

        @Override
        public void referral(AuthDecision.Referral referral) {
            say("referral " + referral.host());
        }

        @Override
        public void unavailable() {
            say("unavailable");
        }

        @Override
        public void backendUnavailable(String code) {
            say("backendUnavailable " + code);
        }

        @Override
        public void loggedIn(BackendLoginResult.LoggedIn result) {
            say("loggedIn " + result.capabilities());
        }

        @Override
        public void loggedInLocally(List<String> capabilities) {
            say("loggedInLocally " + capabilities);
        }

        @Override
        public String tag() {
            return "t1";
        }

        @Override
        public void challenge(String base64) {
            say("challenge " + base64);
        }

        @Override
        public void saslEnded() {
            say("saslEnded");
        }

        @Override
        public void saslInvalid(SaslStep.Reason reason) {
            say("saslInvalid " + reason);
        }

        @Override
        public void saslCancelled() {
            say("saslCancelled");
        }

        @Override
        public void internalError() {
            say("internalError");
        }
    }

    /** A protocol whose backend login the test completes by hand. */
    private static final class FakeProtocol implements Protocol {
        FakeLogin login;
        BackendCredentials credentials;
        Consumer<BackendLoginResult> done;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public int defaultBackendPort() {
            return 1;
        }

        @Override
        public ClientHandler newClientHandler(ClientSession session) {
            throw new UnsupportedOperationException();
        }

        @Override
        public BackendLogin newBackendLogin(ClientSession session, BackendCredentials credentials, BackendTarget target,
                                            Consumer<BackendLoginResult> done) {
            this.credentials = credentials;
            this.done = done;
            this.login = new FakeLogin();
            return login;
        }
    }

    private static final class FakeLogin implements BackendLogin {
        boolean abandoned;

        @Override
        public void abandon() {
            abandoned = true;
        }

        @Override
        public void onConnected(BackendConnection connection) {
        }

        @Override
        public void onInput(ByteBuffer in) {
        }

        @Override
        public void onConnectFailed(IOException cause) {
        }

        @Override
        public void onClosed() {
        }
    }
}
