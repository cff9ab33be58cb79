package io.github.mailproxy.pop3;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A POP3 backend that serves one connection from a script: a greeting, then one canned reply per
 * line received. It records every line, so tests can check exactly what the proxy sent.
 */
final class ScriptedBackend implements AutoCloseable {

    private final ServerSocket listener;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> done;

    /**
     * @param greeting    the first line, with CRLF
     * @param replies     one reply per line received, each with its CRLFs
     * @param tlsAfter    after sending reply number {@code tlsAfter} (0-based), take a TLS handshake
     *                    as server; -1 for never
     * @param tls         the server context for that handshake, or {@code null}
     */
    ScriptedBackend(String greeting, List<String> replies, int tlsAfter, SSLContext tls) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        done = CompletableFuture.runAsync(() -> serve(greeting, replies, tlsAfter, tls));
    }

    private void serve(String greeting, List<String> replies, int tlsAfter, SSLContext tls) {
        try (Socket accepted = listener.accept()) {
            Socket s = accepted;
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            out.write(greeting.getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < replies.size(); i++) {
                String line = in.readLine();
                if (line == null) {
                    return;
                }
                received.add(line);
                out.write(replies.get(i).getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (i == tlsAfter) {
                    SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(s, null, s.getPort(), false);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    s = secured;
                    in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    out = s.getOutputStream();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the port to route to */
    int port() {
        return listener.getLocalPort();
    }

    /** Waits until the script has run to its end, and returns every line received. */
    List<String> finish() throws Exception {
        done.get(10, TimeUnit.SECONDS);
        return received;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
