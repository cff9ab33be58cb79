package io.github.mailproxy.imap;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** An in-memory {@link ClientSession}: records what the handler does, answers as the test says. */
final class FakeClientSession implements ClientSession {

    final StringBuilder output = new StringBuilder();
    final List<AuthRequest> authRequests = new ArrayList<>();
    final List<CompletableFuture<AuthDecision>> decisions = new ArrayList<>();
    SessionSettings settings = new SessionSettings(100, 50, 5, false, 5);
    boolean plaintextAllowed = true;
    boolean startTlsAvailable;
    boolean secured;
    Set<String> mechanisms = new LinkedHashSet<>(List.of("PLAIN", "LOGIN"));
    CapabilityFilter filter = CapabilityFilter.identity();
    boolean paused;
    boolean closed;
    boolean tlsStarted;
    String user;
    SessionEvent.Outcome outcome;
    BackendTarget backendTarget;
    BackendHandler backendHandler;
    BackendConnection relayed;
    int pauses;
    final List<Runnable> delayed = new ArrayList<>();
    boolean holdFailureReplies;
    int resumes;
    /** Lookups asked for, each answered by completing its future (the real one completes on the loop). */
    final List<AuthRequest> lookups = new ArrayList<>();
    final List<CompletableFuture<PassDbResult>> lookupResults = new ArrayList<>();
    /** The PassDb result each {@link #authorize} call got, in order; their decisions go to {@link #decisions}. */
    final List<PassDbResult> authorized = new ArrayList<>();
    /** Dovecot's schemes unless a test sets others; made on first use, as only the SASL tests need it. */
    PasswordScheme passwordScheme;
    /** Work given to {@link #offload}; run by the test with {@link #runOffloaded()}. */
    final List<Runnable> offloaded = new ArrayList<>();

    @Override
    public String id() {
        return "s1";
    }

    @Override
    public String protocol() {
        return "imap";
    }

    @Override
    public InetSocketAddress clientAddress() {
        return new InetSocketAddress("192.0.2.7", 40001);
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("198.51.100.1", 143);
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
        return filter.filter(phase, "imap", capabilities);
    }

    @Override
    public void write(byte[] bytes) {
        write(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void write(String text) {
        if (closed) {
            throw new IllegalStateException("write after close: " + text);
        }
        output.append(text);
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

    @Override
    public void startTls() {
        if (!startTlsAvailable) {
            throw new IllegalStateException("STARTTLS not available");
        }
        tlsStarted = true;
        startTlsAvailable = false;
        secured = true;
    }

    @Override
    public AuthRequest authRequest(String user, String password, String mechanism) {
        return new AuthRequest("imap", user, password, mechanism, clientAddress(), localAddress(), secured, id());
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
        authRequests.add(request);
        authorized.add(result);
        CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
        decisions.add(decision);
        return decision;
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

    /** Runs the offloaded work queued so far, as the hashing executor would, then its completions. */
    void runOffloaded() {
        List<Runnable> work = new ArrayList<>(offloaded);
        offloaded.clear();
        work.forEach(Runnable::run);
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
    public void close() {
        closed = true;
    }

    /** @return what was written since the last call, and forgets it */
    String take() {
        String s = output.toString();
        output.setLength(0);
        return s;
    }
}
