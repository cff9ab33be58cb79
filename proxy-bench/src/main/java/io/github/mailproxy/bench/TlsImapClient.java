package io.github.mailproxy.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A blocking IMAPS client (the JDK's TLS) for {@link TlsBench}: logs in, fetches, logs out. Every
 * connection makes a full handshake: each gets a context of its own, so no session is resumed. The
 * benchmark's own certificate is trusted without checks (loopback only).
 */
final class TlsImapClient implements AutoCloseable {

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] line = new byte[8192];
    private int tag;

    /** Connects, completes the handshake, reads the greeting and logs in. */
    TlsImapClient(InetSocketAddress address, String user, String password) throws IOException {
        socket = (SSLSocket) freshContext().getSocketFactory().createSocket(address.getAddress(), address.getPort());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
        expectOk(null);
        command("LOGIN " + user + " " + password);
    }

    /** @return the literal bytes of message 1 of the selected INBOX */
    long fetch() throws IOException {
        return command("FETCH 1 BODY.PEEK[]");
    }

    long command(String text) throws IOException {
        String t = "t" + tag++;
        out.write((t + " " + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return expectOk(t);
    }

    private long expectOk(String t) throws IOException {
        long literal = 0;
        for (;;) {
            String l = readLine();
            if (t == null || l.startsWith(t + " ")) {
                if (!l.startsWith(t == null ? "* OK" : t + " OK")) {
                    throw new IOException("unexpected reply: " + l);
                }
                return literal;
            }
            int open = l.lastIndexOf('{');
            if (l.endsWith("}") && open >= 0) {
                long size = Long.parseLong(l.substring(open + 1, l.length() - 1));
                in.skipNBytes(size);
                literal += size;
            }
        }
    }

    private String readLine() throws IOException {
        int len = 0;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b == '\n') {
                return new String(line, 0, len > 0 && line[len - 1] == '\r' ? len - 1 : len, StandardCharsets.US_ASCII);
            }
            if (len == line.length) {
                throw new IOException("reply line too long");
            }
            line[len++] = (byte) b;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            command("LOGOUT");
        } catch (IOException e) {
            // closing anyway
        }
        socket.close();
    }

    private static SSLContext freshContext() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
