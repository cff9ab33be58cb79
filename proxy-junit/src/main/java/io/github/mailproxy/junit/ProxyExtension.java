package io.github.mailproxy.junit;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.imap.ImapProtocol;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a mailproxy {@link ProxyServer} on 127.0.0.1 and ephemeral ports for each test, and fails a
 * test that leaves sessions, backend connections or pooled buffers behind.
 *
 * <pre>{@code
 * class MailTest {
 *     @RegisterExtension
 *     static GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.IMAP.dynamicPort());
 *
 *     @RegisterExtension
 *     ProxyExtension proxy = ProxyExtension.forBackend("127.0.0.1", () -> greenMail.getImap().getPort());
 *
 *     @Test
 *     void logsInThroughTheProxy() throws Exception {
 *         greenMail.setUser("alice@example.org", "alice", "secret");
 *         Properties props = new Properties();
 *         props.put("mail.imap.host", "127.0.0.1");
 *         props.put("mail.imap.port", Integer.toString(proxy.imapPort()));
 *         Store store = Session.getInstance(props).getStore("imap");
 *         store.connect("alice", "secret");
 *         store.close();   // or the test fails: the proxy still has a session open
 *     }
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> Registered in an instance field, the proxy starts before each test and stops
 * after it, as GreenMail's extension does. Registered in a {@code static} field (or built with
 * {@link Builder#perClass()} in a class with {@code @TestInstance(PER_CLASS)}), one proxy serves
 * every test of the class and stops after the last; {@link Builder#perMethod()} keeps a static field
 * per method. The port changes from one start to the next, so
 * ask {@link #imapPort()} or {@link #pop3Port()} in the test or in a {@code @BeforeEach} method.
 *
 * <p><b>Leaks.</b> When the proxy stops, the extension waits up to {@link Builder#leakCheckTimeout(Duration)}
 * (default 5 s) for clients that are still closing, then fails the test (or, per class, the class)
 * with a message naming what is still open, before closing the server. A test that failed on its own
 * is not checked: its clients were likely left open by the failure. The server is also kept in
 * JUnit's {@link ExtensionContext.Store}, so JUnit closes it even when something before the check
 * throws; this needs JUnit 5.13 or later.
 *
 * <p>Instances are safe to read from several threads; each registration starts its own proxy.
 */
public final class ProxyExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private static final String HOST = "127.0.0.1";

    private final Map<String, FixedBackends.Backend> backends;
    private final boolean imap;
    private final boolean pop3;
    private final PassDb passDb;
    private final Consumer<ProxyServer.Builder> customiser;
    private final Lifecycle lifecycle;
    private final Duration leakCheckTimeout;
    private final ExtensionContext.Namespace namespace;

    private volatile ProxyServer server;
    /** The unique id of the class context whose beforeAll started {@link #server}, or null per method. */
    private volatile String classOwner;

    private ProxyExtension(Builder builder) {
        this.backends = Map.copyOf(builder.backends);
        this.imap = builder.imap || backends.containsKey(ImapProtocol.NAME);
        this.pop3 = builder.pop3 || backends.containsKey(Pop3Protocol.NAME);
        this.passDb = builder.passDb != null ? builder.passDb : new FixedBackends(backends);
        this.customiser = builder.customiser != null ? builder.customiser : b -> { };
        this.lifecycle = builder.lifecycle != null ? builder.lifecycle : Lifecycle.AUTO;
        this.leakCheckTimeout = builder.leakCheckTimeout != null ? builder.leakCheckTimeout : Duration.ofSeconds(5);
        // one namespace per registration, so that two ProxyExtensions in one class keep apart
        this.namespace = ExtensionContext.Namespace.create(ProxyExtension.class, this);
    }

    /**
     * An IMAP proxy in front of one backend, which checks the passwords the proxy forwards to it.
     *
     * @param host the backend's host, for example {@code "127.0.0.1"}
     * @param port the backend's IMAP port
     * @return the extension, per-method unless registered in a static field
     */
    public static ProxyExtension forBackend(String host, int port) {
        return builder().imapBackend(host, port).build();
    }

    /**
     * An IMAP proxy in front of one backend whose port is known only once it runs, such as GreenMail on
     * a dynamic port: {@code ProxyExtension.forBackend("127.0.0.1", () -> greenMail.getImap().getPort())}.
     *
     * @param host the backend's host
     * @param port asked at each login, on the proxy's event loop, so it must answer at once
     * @return the extension
     */
    public static ProxyExtension forBackend(String host, IntSupplier port) {
        return builder().imapBackend(host, port).build();
    }

    /** @return a builder for IMAP, POP3 or both, a PassDb of your own, and further proxy settings */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the running proxy
     * @throws IllegalStateException outside a test, when no proxy is running
     */
    public ProxyServer server() {
        ProxyServer s = server;
        if (s == null) {
            throw new IllegalStateException("ProxyExtension: no proxy is running; ask from a test or a @BeforeEach "
                    + "method, and register the extension with @RegisterExtension");
        }
        return s;
    }

    /**
     * @return the ephemeral port of the running proxy's IMAP listener
     * @throws IllegalStateException if no proxy is running or it has no IMAP listener
     */
    public int imapPort() {
        return port(ImapProtocol.NAME, "imapBackend(host, port) or imap()");
    }

    /**
     * @return the ephemeral port of the running proxy's POP3 listener
     * @throws IllegalStateException if no proxy is running or it has no POP3 listener
     */
    public int pop3Port() {
        return port(Pop3Protocol.NAME, "pop3Backend(host, port) or pop3()");
    }

    private int port(String protocol, String howToAdd) {
        ProxyServer s = server();
        try {
            return s.port(protocol);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ProxyExtension: the proxy has no " + protocol + " listener; add one with "
                    + "ProxyExtension.builder()." + howToAdd, e);
        }
    }

    /**
     * Starts the proxy for the whole class, unless {@link Builder#perMethod()} was asked for; JUnit
     * calls this only for a static field (or an instance field under {@code @TestInstance(PER_CLASS)}).
     *
     * @param context the class's context
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_METHOD || server != null) {
            return; // a @Nested class inherits the extension of its enclosing class, whose proxy keeps running
        }
        start(context);
        classOwner = context.getUniqueId();
    }

    /**
     * Checks for leaks and stops a proxy started by {@link #beforeAll}.
     *
     * @param context the class's context
     */
    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(classOwner)) {
            classOwner = null;
            stop(context, true);
        }
    }

    /**
     * Starts the proxy for one test, unless one runs for the whole class.
     *
     * @param context the test's context
     * @throws ExtensionConfigurationException if {@link Builder#perClass()} was asked for but JUnit gave
     *                                         the extension no class-level callback
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (classOwner != null) {
            return;
        }
        if (lifecycle == Lifecycle.PER_CLASS) {
            throw new ExtensionConfigurationException("ProxyExtension: perClass() needs the @RegisterExtension field "
                    + "to be static, or the test class to be @TestInstance(Lifecycle.PER_CLASS)");
        }
        start(context);
    }

    /**
     * Checks for leaks (unless the test failed) and stops a proxy started by {@link #beforeEach}.
     *
     * @param context the test's context
     * @throws AssertionError naming the sessions, backend connections and buffers left open
     */
    @Override
    public void afterEach(ExtensionContext context) {
        if (classOwner == null) {
            stop(context, context.getExecutionException().isEmpty());
        }
    }

    private void start(ExtensionContext context) {
        ProxyServer.Builder builder = ProxyServer.builder();
        if (imap) {
            builder.listen(ImapProtocol.plain(new InetSocketAddress(HOST, 0)));
        }
        if (pop3) {
            builder.listen(Pop3Protocol.plain(new InetSocketAddress(HOST, 0)));
        }
        builder.passDb(passDb);
        customiser.accept(builder);
        ProxyServer started = builder.build();
        try {
            started.start();
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        // ProxyServer is AutoCloseable: JUnit closes it with the context even if afterEach/afterAll never runs
        context.getStore(namespace).put(ProxyServer.class, started);
        server = started;
    }

    private void stop(ExtensionContext context, boolean checkLeaks) {
        ProxyServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        context.getStore(namespace).remove(ProxyServer.class, ProxyServer.class);
        try {
            if (checkLeaks) {
                Leaks.awaitIdle(s, leakCheckTimeout);
            }
        } finally {
            s.close();
        }
    }

    /**
     * Configures a {@link ProxyExtension}. Name the backends with {@link #imapBackend}/{@link #pop3Backend},
     * or give a {@link #passDb(PassDb)} and say which listeners with {@link #imap()}/{@link #pop3()}.
     *
     * <pre>{@code
     * @RegisterExtension
     * ProxyExtension proxy = ProxyExtension.builder()
     *         .imapBackend("127.0.0.1", 3143)
     *         .pop3Backend("127.0.0.1", 3110)
     *         .customize(server -> server.authFailureDelay(Duration.ZERO))
     *         .build();
     * }</pre>
     *
     * <p>Each option may be set once; each checks its argument at once, and {@link #build()} checks the
     * combination.
     */
    public static final class Builder {
        private final Map<String, FixedBackends.Backend> backends = new LinkedHashMap<>();
        private boolean imap;
        private boolean pop3;
        private PassDb passDb;
        private Consumer<ProxyServer.Builder> customiser;
        private Lifecycle lifecycle;
        private Duration leakCheckTimeout;

        private Builder() {
        }

        /**
         * Adds an IMAP listener whose users all go to one backend.
         *
         * @param host the backend's host
         * @param port the backend's IMAP port
         * @return this builder
         */
        public Builder imapBackend(String host, int port) {
            return backend(ImapProtocol.NAME, host, checkPort(port));
        }

        /**
         * Adds an IMAP listener whose users all go to one backend, whose port is asked at each login.
         *
         * @param host the backend's host
         * @param port must answer at once: it is called on the proxy's event loop
         * @return this builder
         */
        public Builder imapBackend(String host, IntSupplier port) {
            return backend(ImapProtocol.NAME, host, port);
        }

        /**
         * Adds a POP3 listener whose users all go to one backend.
         *
         * @param host the backend's host
         * @param port the backend's POP3 port
         * @return this builder
         */
        public Builder pop3Backend(String host, int port) {
            return backend(Pop3Protocol.NAME, host, checkPort(port));
        }

        /**
         * Adds a POP3 listener whose users all go to one backend, whose port is asked at each login.
         *
         * @param host the backend's host
         * @param port must answer at once: it is called on the proxy's event loop
         * @return this builder
         */
        public Builder pop3Backend(String host, IntSupplier port) {
            return backend(Pop3Protocol.NAME, host, port);
        }

        /**
         * Adds an IMAP listener routed by the {@link #passDb(PassDb)}.
         *
         * @return this builder
         */
        public Builder imap() {
            if (imap) {
                throw new IllegalStateException("imap was already set");
            }
            imap = true;
            return this;
        }

        /**
         * Adds a POP3 listener routed by the {@link #passDb(PassDb)}.
         *
         * @return this builder
         */
        public Builder pop3() {
            if (pop3) {
                throw new IllegalStateException("pop3 was already set");
            }
            pop3 = true;
            return this;
        }

        /**
         * Routes users with a PassDb of your own instead of fixed backends.
         *
         * @param passDb where users are looked up
         * @return this builder
         */
        public Builder passDb(PassDb passDb) {
            if (this.passDb != null) {
                throw new IllegalStateException("passDb was already set");
            }
            this.passDb = Objects.requireNonNull(passDb, "passDb");
            return this;
        }

        /**
         * Sets anything else on the proxy, such as {@code authStrategy}, {@code capabilityFilter}, TLS
         * listeners or {@code authFailureDelay}. Called at each start, after the extension has set the
         * listeners and the PassDb, which the customiser therefore must not set again.
         *
         * @param customiser receives the proxy's builder
         * @return this builder
         */
        public Builder customize(Consumer<ProxyServer.Builder> customiser) {
            if (this.customiser != null) {
                throw new IllegalStateException("customize was already set");
            }
            this.customiser = Objects.requireNonNull(customiser, "customiser");
            return this;
        }

        /**
         * One proxy for all tests of the class. A static field gets this without asking; an instance
         * field needs {@code @TestInstance(Lifecycle.PER_CLASS)} on the class as well, or the first test
         * fails with an {@link ExtensionConfigurationException} saying so.
         *
         * @return this builder
         */
        public Builder perClass() {
            return lifecycle(Lifecycle.PER_CLASS);
        }

        /**
         * A new proxy for each test even in a static field, as GreenMail's
         * {@code withPerMethodLifecycle(true)}. Then the tests of the class must not run concurrently,
         * since they share the one extension.
         *
         * @return this builder
         */
        public Builder perMethod() {
            return lifecycle(Lifecycle.PER_METHOD);
        }

        private Builder lifecycle(Lifecycle lifecycle) {
            if (this.lifecycle != null) {
                throw new IllegalStateException("lifecycle was already set: " + this.lifecycle);
            }
            this.lifecycle = lifecycle;
            return this;
        }

        /**
         * @param leakCheckTimeout how long to wait, when the proxy stops, for clients that are still
         *                         closing; default 5 s
         * @return this builder
         */
        public Builder leakCheckTimeout(Duration leakCheckTimeout) {
            if (this.leakCheckTimeout != null) {
                throw new IllegalStateException("leakCheckTimeout was already set");
            }
            Objects.requireNonNull(leakCheckTimeout, "leakCheckTimeout");
            if (leakCheckTimeout.isNegative()) {
                throw new IllegalArgumentException("leakCheckTimeout: must not be negative: " + leakCheckTimeout);
            }
            this.leakCheckTimeout = leakCheckTimeout;
            return this;
        }

        /**
         * @return the extension
         * @throws IllegalStateException if there is no listener, or both backends and a PassDb were given
         */
        public ProxyExtension build() {
            if (passDb != null && !backends.isEmpty()) {
                throw new IllegalStateException("passDb: give either a PassDb or fixed backends "
                        + backends.keySet() + ", not both");
            }
            if (passDb == null && (imap || pop3)) {
                throw new IllegalStateException("passDb: imap() and pop3() route by a PassDb; give one, "
                        + "or use imapBackend(host, port) / pop3Backend(host, port)");
            }
            if (backends.isEmpty() && !imap && !pop3) {
                throw new IllegalStateException("listen: no protocol; use imapBackend, pop3Backend, imap() or pop3()");
            }
            return new ProxyExtension(this);
        }

        private Builder backend(String protocol, String host, IntSupplier port) {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(port, "port");
            if (host.isBlank()) {
                throw new IllegalArgumentException(protocol + "Backend: host must not be blank");
            }
            if (backends.containsKey(protocol)) {
                throw new IllegalStateException(protocol + "Backend was already set");
            }
            backends.put(protocol, new FixedBackends.Backend(host, port));
            return this;
        }

        private static IntSupplier checkPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: must be between 1 and 65535: " + port);
            }
            return () -> port;
        }
    }

    /** When the proxy starts and stops. */
    private enum Lifecycle {
        /** Per class where JUnit gives the extension class-level callbacks (a static field), else per method. */
        AUTO,
        PER_CLASS,
        PER_METHOD
    }
}
