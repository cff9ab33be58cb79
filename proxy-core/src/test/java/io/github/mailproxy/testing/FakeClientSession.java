package io.github.mailproxy.testing;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.BackendTarget;
import io.github.mailproxy.CapabilityFilter;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.PasswordScheme;
import io.github.mailproxy.SessionEvent;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LoginFlow;
import io.github.mailproxy.spi.Protocol;
import io.github.mailproxy.spi.SessionSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * An in-memory {@link ClientSession} for protocol handler unit tests: it records what the handler
 * does, and answers as the test says. Nothing runs by itself: authentication decisions, PassDb
 * lookups, offloaded work and (when {@link #holdFailureReplies} is set) failure-delayed replies wait
 * until the test completes or runs them.
 *
 * <p>The state is kept in public fields, for tests to set up and inspect directly. Feeding client
 * input to the handler is left to the protocol module's tests (or a subclass), as is anything else
 * protocol specific.
 */
public class FakeClientSession implements ClientSession, LoginFlow.Host {

    private final String protocol;
    private final String id;
    private InetSocketAddress clientAddress;
    private final InetSocketAddress localAddress;

    /** Returned by {@link #settings()}. */
    public SessionSettings settings;
    /** Returned by {@link #plaintextAuthAllowed()}. */
    public boolean plaintextAllowed = true;
    /** Returned by {@link #startTlsAvailable()}; cleared by {@link #startTls()}. */
    public boolean startTlsAvailable;
    /** Returned by {@link #clientTrusted()}. */
    public boolean trusted;
    /** Returned by {@link #proxyTtl()}; set by {@link #incomingProxyTtl} when {@link #trusted}. */
    public int proxyTtl = 5;
    /** Returned by {@link #secured()}; set by {@link #startTls()}. */
    public boolean secured;
    /** Returned by {@link #mechanisms()}; PLAIN and LOGIN unless a test sets others. */
    public Set<String> mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN"));
    /** Applied by {@link #filterCapabilities}, with this session's protocol. */
    public CapabilityFilter filter = CapabilityFilter.identity();
    /** Dovecot's schemes unless a test sets others; made on first use, as only the SASL tests need it. */
    public PasswordScheme passwordScheme;
    /**
     * Whether {@link #afterFailureDelay} holds replies in {@link #delayed} until the test runs them
     * (with {@link #endFailureDelay()}), rather than running them at once.
     */
    public boolean holdFailureReplies;

    /** What the handler wrote and {@link #take()} has not taken yet. */
    public final StringBuilder written = new StringBuilder();
    /** Every request passed to {@link #authenticate} or {@link #authorize}, in order. */
    public final List<AuthRequest> authRequests = new ArrayList<>();
    /**
     * The decision of each request in {@link #authRequests}, at the same index; completed by the test
     * (directly, or the oldest pending one with {@link #decide}).
     */
    public final List<CompletableFuture<AuthDecision>> decisions = new ArrayList<>();
    /** Lookups asked for, each answered by completing its future (the real one completes on the loop). */
    public final List<AuthRequest> lookups = new ArrayList<>();
    /** The result of each lookup in {@link #lookups}, at the same index. */
    public final List<CompletableFuture<PassDbResult>> lookupResults = new ArrayList<>();
    /** The PassDb result each {@link #authorize} call got, in order; their decisions go to {@link #decisions}. */
    public final List<PassDbResult> authorized = new ArrayList<>();
    /** Work given to {@link #offload}; run by the test with {@link #runOffloaded()}. */
    public final List<Runnable> offloaded = new ArrayList<>();
    /** Replies held back by {@link #afterFailureDelay} while {@link #holdFailureReplies} is set. */
    public final List<Runnable> delayed = new ArrayList<>();
    /** Every outcome reported, in order; the last is also in {@link #outcome}. */
    public final List<SessionEvent.Outcome> outcomes = new ArrayList<>();

    /** The last outcome reported, or {@code null}. */
    public SessionEvent.Outcome outcome;
    /** The user reported with {@link #user(String)}, or {@code null}. */
    public String user;
    /** Whether input is paused. */
    public boolean paused;
    /** How often {@link #pauseInput()} was called. */
    public int pauses;
    /** How often {@link #resumeInput()} was called. */
    public int resumes;
    /** Whether {@link #close()} was called; writes after it fail. */
    public boolean closed;
    /** Set by {@link #startTls()}; a test may clear it once it has played the handshake. */
    public boolean tlsStarted;
    /** How often {@link #startTls()} was called. */
    public int startTlsCalls;
    /** The target passed to {@link #connectBackend}, or {@code null}. */
    public BackendTarget backendTarget;
    /** The handler passed to {@link #connectBackend}, or {@code null}. */
    public BackendHandler backendHandler;
    /** The connection passed to {@link #startRelay}, or {@code null}. */
    public BackendConnection relayed;
    /** The local handler's capabilities {@link #localCapabilities()} gives; {@code null}: no handler. */
    public List<String> localCapabilities;
    /** The user and tag passed to {@link #startLocal}, or {@code null}. */
    public List<String> local;
    /** The protocol whose backend login {@link #login()}'s flow runs; set it before the first login. */
    public Protocol loginProtocol;
    private LoginFlow login;

    /**
     * @param protocol the protocol name, as {@link #protocol()}, in auth requests and for the filter
     * @param id the session id
     * @param clientAddress the client's address
     * @param localAddress the address the client connected to
     * @param settings the initial {@link #settings}
     */
    public FakeClientSession(String protocol, String id, InetSocketAddress clientAddress,
            InetSocketAddress localAddress, SessionSettings settings) {
        this.protocol = protocol;
        this.id = id;
        this.clientAddress = clientAddress;
        this.localAddress = localAddress;
        this.settings = settings;
    }

    /** @return what was written since the last call, and forgets it */
    public String take() {
        String s = written.toString();
        written.setLength(0);
        return s;
    }

    /**
     * Completes the oldest decision still pending.
     *
     * @param decision the answer
     * @throws IllegalStateException if no decision is pending
     */
    public void decide(AuthDecision decision) {
        pendingDecisions().stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("no decision pending"))
                .complete(decision);
    }

    /** @return the decisions not completed yet, oldest first (a copy) */
    public List<CompletableFuture<AuthDecision>> pendingDecisions() {
        List<CompletableFuture<AuthDecision>> pending = new ArrayList<>();
        for (CompletableFuture<AuthDecision> decision : decisions) {
            if (!decision.isDone()) {
                pending.add(decision);
            }
        }
        return pending;
    }

    /**
     * Answers the oldest unanswered lookup.
     *
     * @param result the PassDb's answer
     * @throws java.util.NoSuchElementException if no lookup is unanswered
     */
    public void lookedUp(PassDbResult result) {
        lookupResults.stream().filter(f -> !f.isDone()).findFirst().orElseThrow().complete(result);
    }

    /** Runs the offloaded work queued so far, as the hashing executor would, then its completions. */
    public void runOffloaded() {
        List<Runnable> work = new ArrayList<>(offloaded);
        offloaded.clear();
        work.forEach(Runnable::run);
    }

    /** Runs the replies held back by the auth failure delay, in order. */
    public void endFailureDelay() {
        List<Runnable> due = new ArrayList<>(delayed);
        delayed.clear();
        due.forEach(Runnable::run);
    }

    /** @return the last outcome reported, or {@code null} */
    public SessionEvent.Outcome lastOutcome() {
        return outcome;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public boolean clientTrusted() {
        return trusted;
    }

    @Override
    public void originatingClient(InetSocketAddress address) {
        if (trusted) {
            clientAddress = address;
        }
    }

    @Override
    public void incomingProxyTtl(int ttl) {
        if (trusted) {
            proxyTtl = Math.max(0, ttl);
        }
    }

    @Override
    public int proxyTtl() {
        return proxyTtl;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean secured() {
        return secured;
    }

    @Override
    public boolean startTlsAvailable() {
        return startTlsAvailable;
    }

    @Override
    public boolean plaintextAuthAllowed() {
        return plaintextAllowed;
    }

    @Override
    public Set<String> mechanisms() {
        return mechanisms;
    }

    @Override
    public SessionSettings settings() {
        return settings;
    }

    @Override
    public List<String> filterCapabilities(CapabilityFilter.Phase phase, List<String> capabilities) {
        return filter.filter(phase, protocol, capabilities);
    }

    @Override
    public void write(byte[] bytes) {
        write(new String(bytes, StandardCharsets.UTF_8));
    }

    /** @throws IllegalStateException after {@link #close()} */
    @Override
    public void write(String text) {
        if (closed) {
            throw new IllegalStateException("write after close: " + text);
        }
        written.append(text);
    }

    @Override
    public void pauseInput() {
        paused = true;
        pauses++;
    }

    @Override
    public void resumeInput() {
        paused = false;
        resumes++;
    }

    /**
     * Marks the session secured at once; the test plays the handshake (and drops buffered input, as
     * the core does).
     *
     * @throws IllegalStateException unless {@link #startTlsAvailable}
     */
    @Override
    public void startTls() {
        if (!startTlsAvailable) {
            throw new IllegalStateException("STARTTLS not available");
        }
        tlsStarted = true;
        startTlsCalls++;
        startTlsAvailable = false;
        secured = true;
    }

    @Override
    public AuthRequest authRequest(String user, String password, String mechanism) {
        return new AuthRequest(protocol, user, password, mechanism, clientAddress(), localAddress(), secured, id());
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        authRequests.add(request);
        CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
        decisions.add(decision);
        return decision;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        lookups.add(request);
        CompletableFuture<PassDbResult> result = new CompletableFuture<>();
        lookupResults.add(result);
        return result;
    }

    @Override
    public CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
        authorized.add(result);
        return authenticate(request);
    }

    @Override
    public PasswordScheme passwordScheme() {
        if (passwordScheme == null) {
            passwordScheme = PasswordScheme.dovecot();
        }
        return passwordScheme;
    }

    @Override
    public <T> CompletionStage<T> offload(Supplier<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        offloaded.add(() -> {
            try {
                done.complete(work.get());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Override
    public void afterFailureDelay(Runnable reply) {
        if (holdFailureReplies) {
            delayed.add(reply);
        } else {
            reply.run();
        }
    }

    @Override
    public void user(String user) {
        this.user = user;
    }

    @Override
    public void outcome(SessionEvent.Outcome outcome) {
        outcomes.add(outcome);
        this.outcome = outcome;
    }

    @Override
    public void connectBackend(BackendTarget target, BackendHandler handler) {
        this.backendTarget = target;
        this.backendHandler = handler;
    }

    @Override
    public void startRelay(BackendConnection backend) {
        this.relayed = backend;
    }

    @Override
    public List<String> localCapabilities() {
        return localCapabilities;
    }

    @Override
    public void startLocal(String user, String tag) {
        this.local = java.util.Arrays.asList(user, tag);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** @return a login flow over this fake, as the core makes one, for {@link #loginProtocol} */
    @Override
    public LoginFlow login() {
        if (login == null) {
            login = new LoginFlow(this, this, loginProtocol);
        }
        return login;
    }
}
