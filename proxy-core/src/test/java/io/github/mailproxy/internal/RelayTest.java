package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay between two real socket pairs: the test holds the far ends (a client and a backend)
 * and pumps the relay's events itself, as a loop would.
 */
class RelayTest {

    private final AtomicInteger inUse = new AtomicInteger();
    private final BufferPool pool = new BufferPool(4096, 4, inUse, new AtomicInteger());
    private Socket clientPeer;
    private Socket backendPeer;
    private Endpoint client;
    private Endpoint backend;

    @BeforeEach
    void connect() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            clientPeer = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort());
            client = endpoint(server.accept());
            backendPeer = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort());
            backend = endpoint(server.accept());
        }
        clientPeer.setSoTimeout(10_000);
        backendPeer.setSoTimeout(10_000);
    }

    private Endpoint endpoint(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        return new Endpoint(channel, new java.util.concurrent.atomic.AtomicLong(), pool);
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        backend.close();
        clientPeer.close();
        backendPeer.close();
    }

    /** Pumps events until the peer has read {@code n} bytes. */
    private String receive(Relay relay, Socket peer, int n) throws IOException {
        byte[] got = new byte[n];
        int have = 0;
        InputStream in = peer.getInputStream();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (have < n && System.nanoTime() < deadline) {
            relay.readable(client);
            relay.readable(backend);
            relay.writable(client);
            relay.writable(backend);
            if (in.available() > 0) {
                have += in.read(got, have, Math.min(in.available(), n - have));
            }
        }
        return new String(got, 0, have, StandardCharsets.US_ASCII);
    }

    @Test
    void bytesFlowBothWaysAndAreCounted() throws IOException {
        Relay relay = new Relay(client, backend, pool);
        relay.start();

        clientPeer.getOutputStream().write("a1 SELECT INBOX\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(receive(relay, backendPeer, 17)).isEqualTo("a1 SELECT INBOX\r\n");
        backendPeer.getOutputStream().write("a1 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(receive(relay, clientPeer, 7)).isEqualTo("a1 OK\r\n");

        assertThat(relay.clientBytes()).isEqualTo(17);
        assertThat(relay.backendBytes()).isEqualTo(7);
        relay.close();
        assertThat(inUse).hasValue(0);
    }

    @Test
    void inputPipelinedBehindTheLoginIsRelayedFirst() throws IOException {
        client.inputBuffer().put("a2 NOOP\r\n".getBytes(StandardCharsets.US_ASCII));

        Relay relay = new Relay(client, backend, pool);
        relay.start();
        clientPeer.getOutputStream().write("a3 NOOP\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(receive(relay, backendPeer, 18)).isEqualTo("a2 NOOP\r\na3 NOOP\r\n");
        assertThat(client.in).isNull();  // the buffer went to the pipe, which gave it back
        relay.close();
        assertThat(inUse).hasValue(0);
    }

    @Test
    void aSideThatEndsEndsTheRelayAfterItsLastBytesAreWritten() throws IOException {
        Relay relay = new Relay(client, backend, pool);
        relay.start();

        backendPeer.getOutputStream().write("* BYE\r\n".getBytes(StandardCharsets.US_ASCII));
        backendPeer.shutdownOutput();

        assertThat(receive(relay, clientPeer, 7)).isEqualTo("* BYE\r\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!relay.ended() && System.nanoTime() < deadline) {
            relay.readable(backend);
        }
        assertThat(relay.ended()).isTrue();
        assertThat(relay.pending()).isFalse();
        assertThat(client.wantRead).isFalse();
        assertThat(backend.wantRead).isFalse();
        relay.close();
        assertThat(inUse).hasValue(0);
    }
}
