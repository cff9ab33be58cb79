package io.github.mailproxy.pop3;

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
import io.github.mailproxy.spi.SessionSettings;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** An in-memory {@link ClientSession} that records what the handler does, for handler unit tests. */
final class FakeClientSession implements ClientSession {

    static final SessionSettings DEFAULT_SETTINGS = new SessionSettings(8192, 8192, 10, false, 5);

    SessionSettings settings = DEFAULT_SETTINGS;
    boolean plaintextAllowed = true;
    boolean startTlsAvailable;
    boolean secured;
    Set<String> mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN"));
    CapabilityFilter filter = CapabilityFilter.identity();
    InetSocketAddress clientAddress = new InetSocketAddress("192.0.2.7", 40123);

    final StringBuilder written = new StringBuilder();
    final List<AuthRequest> authRequests = new ArrayList<>();
    final List<CompletableFuture<AuthDecision>> pendingAuth = new ArrayList<>();
    final List<SessionEvent.Outcome> outcomes = new ArrayList<>();
    final List<Runnable> delayed = new ArrayList<>();
    /** Lookups asked for, each answered by the test completing its future (the real one completes on the loop). */
    final List<AuthRequest> lookups = new ArrayList<>();
    final List<CompletableFuture<PassDbResult>> lookupResults = new ArrayList<>();
    /** The PassDb result each {@link #authorize} call got; its request goes to {@link #authRequests}. */
    final List<PassDbResult> authorized = new ArrayList<>();
    /** Work given to {@link #offload}, run by the test with {@link #runOffloaded()}. */
    final List<Runnable> offloaded = new ArrayList<>();
    String user;
    boolean paused;
    boolean closed;
    int startTlsCalls;
    BackendTarget backendTarget;
    BackendHandler backendHandler;
    BackendConnection relayed;

    private final ByteBuffer input = ByteBuffer.allocate(1 << 16).flip();
    private Pop3ClientHandler handler;

    /** Makes the handler under test and greets. */
    Pop3ClientHandler open() {
        handler = (Pop3ClientHandler) Pop3Protocol.instance().newClientHandler(this);
        handler.onOpen();
        return handler;
    }

    /** Appends bytes from the client and lets the handler read, as the core would. */
    void send(String text) {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends raw bytes from the client, which need not be UTF-8, and lets the handler read. */
    void send(byte[] bytes) {
        input.compact().put(bytes).flip();
        offer();
    }

    /** Offers buffered input to the handler unless paused. */
    void offer() {
        if (!paused && !closed && relayed == null) {
            handler.onInput(input);
        }
    }

    /** @return input the handler left unread */
    String unread() {
        return StandardCharsets.UTF_8.decode(input.duplicate()).toString();
    }

    /** @return everything written so far, and forgets it */
    String take() {
        String s = written.toString();
        written.setLength(0);
        return s;
    }

    /** Completes the oldest pending authentication. */
    void decide(AuthDecision decision) {
        pendingAuth.remove(0).complete(decision);
    }

    SessionEvent.Outcome lastOutcome() {
        return outcomes.isEmpty() ? null : outcomes.get(outcomes.size() - 1);
    }

    @Override
    public String id() {
        return "sess-1";
    }

    @Override
    public String protocol() {
        return "pop3";
    }

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 110);
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
        return filter.filter(phase, "pop3", capabilities);
    }

    @Override
    public void write(byte[] bytes) {
        check();
        written.append(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void write(String text) {
        check();
        written.append(text);
    }

    @Override
    public void pauseInput() {
        paused = true;
    }

    @Override
    public void resumeInput() {
        paused = false;
    }

    @Override
    public void startTls() {
        if (!startTlsAvailable) {
            throw new IllegalStateException("startTls not available");
        }
        startTlsCalls++;
        startTlsAvailable = false;
        secured = true;
        input.position(input.limit()); // the core discards what came after STLS
    }

    @Override
    public AuthRequest authRequest(String user, String password, String mechanism) {
        return new AuthRequest("pop3", user, password, mechanism, clientAddress, localAddress(), secured, id());
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        authRequests.add(request);
        CompletableFuture<AuthDecision> future = new CompletableFuture<>();
        pendingAuth.add(future);
        return future;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        lookups.add(request);
        CompletableFuture<PassDbResult> result = new CompletableFuture<>();
        lookupResults.add(result);
        return result;
    }

    /** Answers the oldest unanswered lookup, then offers buffered input as a resumed session would. */
    void lookedUp(PassDbResult result) {
        lookupResults.stream().filter(f -> !f.isDone()).findFirst().orElseThrow().complete(result);
        offer();
    }

    @Override
    public CompletionStage<AuthDecision> authorize(AuthRequest request, PassDbResult result) {
        authorized.add(result);
        return authenticate(request);
    }

    @Override
    public PasswordScheme passwordScheme() {
        return PasswordScheme.dovecot();
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

    /** Runs the work queued by {@link #offload}, as the hashing executor would, then offers input. */
    void runOffloaded() {
        List<Runnable> work = new ArrayList<>(offloaded);
        offloaded.clear();
        work.forEach(Runnable::run);
        offer();
    }

    @Override
    public void afterFailureDelay(Runnable reply) {
        delayed.add(reply);
    }

    /** Runs the replies held back by the auth failure delay. */
    void endFailureDelay() {
        List<Runnable> due = new ArrayList<>(delayed);
        delayed.clear();
        due.forEach(Runnable::run);
    }

    @Override
    public void user(String user) {
        this.user = user;
    }

    @Override
    public void outcome(SessionEvent.Outcome outcome) {
        outcomes.add(outcome);
    }

    @Override
    public void connectBackend(BackendTarget target, BackendHandler handler) {
        this.backendTarget = target;
        this.backendHandler = handler;
    }

    @Override
    public void startRelay(BackendConnection backend) {
        if (relayed != null) {
            throw new IllegalStateException("relay started twice");
        }
        relayed = backend;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("write after close");
        }
    }
}
