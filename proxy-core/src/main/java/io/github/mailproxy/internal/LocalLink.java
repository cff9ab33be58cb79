package io.github.mailproxy.internal;

import io.github.mailproxy.LocalSession;
import io.github.mailproxy.LocalSessionHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

/**
 * A session served by the embedding application ({@link LocalSession}): the client endpoint, taken
 * over after the login reply, with what the client pipelined behind the login command still in its
 * input buffer. Input goes to the application's {@link LocalSession.Receiver}; what it leaves
 * unconsumed stays in the endpoint's buffer (owned by the endpoint, as before login) and the client
 * is not read until the application resumes. Output is queued on the endpoint as replies are. Runs on
 * the session's loop; the fixed values are final fields, readable anywhere.
 */
final class LocalLink implements LocalSession {

    private static final int READS_PER_EVENT = 16;
    /** Unsent output past which a handler that goes on writing after {@code false} is cut off. */
    static final int OUTPUT_LIMIT = 16 * OUTPUT_HIGH_WATER;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalLink.class);

    private final Session session;
    private final Endpoint client;
    private final EventLoop loop;
    private final String id;
    private final String user;
    private final String protocol;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress localAddress;
    private final boolean secured;
    private final String tag;
    private Receiver receiver;
    /** Input the receiver left is held: the client is not read until {@link #resumeInput()}. */
    private boolean held;
    /** A write left bytes unsent: tell the receiver once they are. */
    private boolean writableWanted;
    private boolean ended;
    // written on the loop, read by ProxyServer.sessions() from any thread
    private volatile long fromClient;
    private volatile long toClient;

    LocalLink(Session session, Endpoint client, ClientSessionView view, String user, String tag) {
        this.session = session;
        this.client = client;
        this.loop = session.loop();
        this.id = view.id();
        this.user = user;
        this.protocol = view.protocol();
        this.clientAddress = view.clientAddress();
        this.localAddress = view.localAddress();
        this.secured = view.secured();
        this.tag = tag;
    }

    /**
     * Hands the session to the application, then offers what the client pipelined.
     *
     * @param handler the protocol's local handler
     */
    void start(LocalSessionHandler handler) throws IOException {
        client.paused = false;
        client.wantRead = true;
        Receiver r = handler.open(this);
        if (r == null) {
            throw new IllegalStateException("local handler " + handler + " returned no receiver");
        }
        receiver = r;
        if (client.in != null && client.in.position() > 0) {
            fromClient += client.in.position();  // pipelined behind the login command
            offer();
        } else {
            client.releaseInputIfEmpty();
        }
        if (!held && !ended && client.transport.hasBufferedInput()) {
            readable();
        }
    }

    /** The client is readable: read and offer until it has nothing more, input is held, or the budget is used. */
    void readable() throws IOException {
        for (int i = 0; i < READS_PER_EVENT && !held && !ended; i++) {
            ByteBuffer in = client.inputBuffer();
            int n = client.transport.read(in);
            if (n < 0) {
                client.releaseInputIfEmpty();
                session.close();  // the client is gone: send what is queued, then close
                return;
            }
            if (n == 0) {
                client.releaseInputIfEmpty();
                return;
            }
            fromClient += n;
            offer();
        }
    }

    private void offer() {
        ByteBuffer in = client.in;
        in.flip();
        try {
            receiver.onInput(in);
        } finally {
            in.compact();
        }
        held = in.position() > 0;
        client.wantRead = !held && !ended;
        if (!held) {
            client.releaseInputIfEmpty();
        }
    }

    /** Output has been written to the client: tell the receiver when all of it is. */
    void written() {
        if (writableWanted && !ended && !client.outputPending()) {
            writableWanted = false;
            receiver.onWritable();
        }
    }

    /** The session closes: read no more. */
    void end() {
        ended = true;
        client.wantRead = false;
    }

    /** The session has closed: the receiver's last call. */
    void closed() {
        end();
        if (receiver != null) {
            Receiver r = receiver;
            receiver = null;
            r.onClosed();
        }
    }

    long fromClient() {
        return fromClient;
    }

    long toClient() {
        return toClient;
    }

    private void onLoop() {
        if (!loop.inLoop()) {
            throw new IllegalStateException("LocalSession I/O must be called on the session's loop: use loop().execute");
        }
    }

    // ---- LocalSession ----

    @Override
    public boolean write(ByteBuffer bytes) {
        onLoop();
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        if (ended || copy.length == 0) {
            return !ended;
        }
        if (client.unsentBytes() > OUTPUT_LIMIT) {
            LOG.warn("session={} msg=\"local handler ignores back-pressure; session closed\" unsent={}", id,
                    client.unsentBytes());
            session.close();
            return false;
        }
        toClient += copy.length;
        session.write(copy);
        writableWanted = client.outputPending();
        return client.unsentBytes() < OUTPUT_HIGH_WATER;
    }

    @Override
    public long unsentBytes() {
        onLoop();
        return client.closed ? 0 : client.unsentBytes();
    }

    @Override
    public void resumeInput() {
        onLoop();
        if (!held || ended) {
            return;
        }
        try {
            offer();
            if (!held) {
                readable();
            }
            session.afterEvent();
        } catch (IOException e) {
            session.ioFailed(client);
        } catch (RuntimeException e) {
            session.failed(e);
        }
    }

    @Override
    public void close() {
        onLoop();
        session.close();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String user() {
        return user;
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
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean secured() {
        return secured;
    }

    @Override
    public String tag() {
        return tag;
    }

    @Override
    public Executor loop() {
        return loop;
    }

    @Override
    public String toString() {
        return "LocalSession[" + id + ", " + protocol + ", " + Text.address(clientAddress) + "]";
    }
}
