package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A backend that greets with WELCOME and echoes everything; a thread per connection (test only). */
final class EchoBackend implements AutoCloseable {
    private final ServerSocket serverSocket;
    final List<Socket> sockets = new CopyOnWriteArrayList<>();

    enum Tls { NONE, IMPLICIT, STARTTLS }

    private final Tls tls;
    private final SSLContext context;

    EchoBackend() throws IOException {
        this(Tls.NONE, null);
    }

    /**
     * @param tls     TLS from the first byte, after STARTTLS, or none
     * @param context the server context for TLS (the test certificate), or null without TLS
     */
    EchoBackend(Tls tls, SSLContext context) throws IOException {
        this.tls = tls;
        this.context = context;
        serverSocket = tls == Tls.IMPLICIT
                ? context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))
                : new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::acceptLoop, "echo-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket s = serverSocket.accept();
                sockets.add(s);
                Thread t = new Thread(() -> echo(s), "echo");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void echo(Socket plain) {
        try (plain) {
            Socket s = plain;
            s.getOutputStream().write("WELCOME\r\n".getBytes(StandardCharsets.US_ASCII));
            if (tls == Tls.STARTTLS) {
                byte[] command = s.getInputStream().readNBytes("STARTTLS\r\n".length());
                assertThat(new String(command, StandardCharsets.US_ASCII)).isEqualTo("STARTTLS\r\n");
                s.getOutputStream().write("GO\r\n".getBytes(StandardCharsets.US_ASCII));
                SSLSocket secured = (SSLSocket) context.getSocketFactory()
                        .createSocket(s, null, s.getPort(), true);
                secured.setUseClientMode(false);
                secured.startHandshake();
                s = secured;
                s.getOutputStream().write("SECURE-WELCOME\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            s.getInputStream().transferTo(s.getOutputStream());
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
