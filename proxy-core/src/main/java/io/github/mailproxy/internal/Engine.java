package io.github.mailproxy.internal;

import io.github.mailproxy.Listener;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.ProxyStats;
import io.github.mailproxy.spi.SessionSettings;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: N event loops, the listening sockets (accepted on loop 0 and spread round
 * robin), sessions and counters. {@link io.github.mailproxy.ProxyServer} is its public face.
 */
public final class Engine {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final int MAX_IDLE_BUFFERS_PER_LOOP = 256;

    private final EngineConfig config;
    private final SessionSettings sessionSettings;
    private final PassDb passDb;
    private final AuthCache authCache;
    private final AtomicInteger openSessions = new AtomicInteger();
    private final AtomicLong totalSessions = new AtomicLong();
    private final AtomicInteger buffersInUse = new AtomicInteger();
    private final AtomicInteger buffersPooled = new AtomicInteger();
    private final AtomicInteger openBackends = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<Integer> boundPorts = new ArrayList<>();
    private EventLoop[] loops;
    private List<Set<Session>> sessions;
    private ExecutorService resolver;
    private SSLContext backendSslContext;
    private SSLContext anyCertSslContext;
    private int nextLoop;
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * @param config the checked configuration
     */
    public Engine(EngineConfig config) {
        this.config = config;
        this.sessionSettings = config.sessionSettings();
        this.authCache = config.authCache() == null ? null : new AuthCache(config.authCache(), config.passDb());
        this.passDb = authCache != null ? authCache : config.passDb();
    }

    /**
     * Binds the listeners and starts the loops.
     *
     * @throws IOException naming the address that cannot be bound
     */
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "the server is closed" : "the server is already started");
        }
        int bufferSize = bufferSize();
        loops = new EventLoop[config.eventLoops()];
        sessions = new ArrayList<>();
        for (int i = 0; i < loops.length; i++) {
            BufferPool pool = new BufferPool(bufferSize, MAX_IDLE_BUFFERS_PER_LOOP, buffersInUse, buffersPooled);
            loops[i] = new EventLoop("mailproxy-loop-" + i, pool);
            sessions.add(new HashSet<>());
        }
        try {
            for (Listener listener : config.listeners()) {
                ServerSocketChannel server = ServerSocketChannel.open();
                servers.add(server);
                try {
                    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    server.bind(listener.address(), 1024);
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + Text.address(listener.address())
                            + " (" + listener.protocol().name() + "): " + e.getMessage(), e);
                }
                server.configureBlocking(false);
                boundPorts.add(server.socket().getLocalPort());
                loops[0].register(server, SelectionKey.OP_ACCEPT, key -> accept(server, listener));
            }
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel s : servers) {
                s.close();
            }
            throw e;
        }
        resolver = new ThreadPoolExecutor(1, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "mailproxy-resolver");
            t.setDaemon(true);
            return t;
        });
        for (EventLoop loop : loops) {
            loop.start();
        }
        started = true;
    }

    private static int bufferSize() {
        try {
            SSLEngine probe = SSLContext.getDefault().createSSLEngine();
            int packet = probe.getSession().getPacketBufferSize();
            int app = probe.getSession().getApplicationBufferSize();
            return Math.max(32 * 1024, packet + app);
        } catch (NoSuchAlgorithmException e) {
            return 64 * 1024;
        }
    }

    private void accept(ServerSocketChannel server, Listener listener) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
                if (channel == null) {
                    return;
                }
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                LOG.warn("accept on {} failed: {}", listener.address(), e.toString());
                return;
            }
            int index = nextLoop++ % loops.length;
            EventLoop loop = loops[index];
            loop.execute(() -> openSession(loop, index, listener, channel));
        }
    }

    private void openSession(EventLoop loop, int index, Listener listener, SocketChannel channel) {
        if (closed) {
            closeQuietly(channel);
            return;
        }
        Session session;
        try {
            session = new Session(this, loop, listener, channel, newSessionId());
        } catch (IOException e) {
            closeQuietly(channel);
            return;
        }
        openSessions.incrementAndGet();
        totalSessions.incrementAndGet();
        sessions.get(index).add(session);
        try {
            session.open();
        } catch (IOException e) {
            LOG.debug("session could not start: {}", e.toString());
            session.closeNow();
        } catch (RuntimeException e) {
            LOG.error("session could not start", e);
            session.closeNow();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("close", e);
        }
    }

    private String newSessionId() {
        byte[] b = new byte[9];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    void sessionClosed(Session session, EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                sessions.get(i).remove(session);
            }
        }
        openSessions.decrementAndGet();
    }

    void backendOpened() {
        openBackends.incrementAndGet();
    }

    void backendClosed() {
        openBackends.decrementAndGet();
    }

    EngineConfig config() {
        return config;
    }

    SessionSettings sessionSettings() {
        return sessionSettings;
    }

    PassDb passDb() {
        return passDb;
    }

    ExecutorService resolver() {
        return resolver;
    }

    synchronized SSLContext backendSslContext(boolean anyCert) {
        if (anyCert) {
            if (anyCertSslContext == null) {
                anyCertSslContext = AnyCertTrust.context();
            }
            return anyCertSslContext;
        }
        if (backendSslContext == null) {
            try {
                backendSslContext = config.backendSslContext() != null ? config.backendSslContext() : SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no default TLS context for backend connections", e);
            }
        }
        return backendSslContext;
    }

    /**
     * @param protocol a protocol name
     * @return the bound port of its first listener
     */
    public int port(String protocol) {
        if (!started) {
            throw new IllegalStateException("the server is not started");
        }
        for (int i = 0; i < config.listeners().size(); i++) {
            if (config.listeners().get(i).protocol().name().equals(protocol)) {
                return boundPorts.get(i);
            }
        }
        throw new IllegalArgumentException("no listener for protocol " + protocol);
    }

    /** @return the counters now */
    public ProxyStats stats() {
        return new ProxyStats(openSessions.get(), totalSessions.get(), buffersInUse.get(), buffersPooled.get(),
                openBackends.get(), authCache == null ? 0 : authCache.hits(), authCache == null ? 0 : authCache.misses());
    }

    /** Stops accepting, says goodbye to clients logging in, closes all sessions and stops the loops. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                return;
            }
        }
        for (ServerSocketChannel server : servers) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("closing listener", e);
            }
        }
        for (int i = 0; i < loops.length; i++) {
            Set<Session> set = sessions.get(i);
            loops[i].execute(() -> {
                for (Session s : new ArrayList<>(set)) {
                    s.shutdown();
                }
            });
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        while (openSessions.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5); // close() is a blocking call by contract; this polls the loops' progress
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (int i = 0; i < loops.length; i++) {
            Set<Session> set = sessions.get(i);
            loops[i].execute(() -> {
                for (Session s : new ArrayList<>(set)) {
                    s.closeNow();
                }
            });
        }
        for (EventLoop loop : loops) {
            loop.shutdown(config.shutdownTimeout().toMillis());
        }
        resolver.shutdownNow();
    }
}
