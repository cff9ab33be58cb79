package io.github.mailproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One IMAP client that fetches the same large message again and again on a blocking socket and
 * counts the literal's bytes: the relay workload. Parses the reply properly (skips the literal by its
 * announced size) so that message text can never be mistaken for the tagged reply.
 */
final class RelayClient implements AutoCloseable {

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    private final byte[] lineBytes = new byte[8192];
    private int tagCounter;

    RelayClient(InetSocketAddress address, String user, String password) throws IOException {
        channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        in.flip();
        expectOk(null);
        command("LOGIN " + user + " " + password);
        command("SELECT INBOX");
    }

    /**
     * Fetches message 1 whole.
     *
     * @return the size of the message literal received
     */
    long fetch() throws IOException {
        return command("FETCH 1 BODY.PEEK[]");
    }

    private long command(String text) throws IOException {
        String tag = "t" + (tagCounter++);
        channel.write(ByteBuffer.wrap((tag + " " + text + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        return expectOk(tag);
    }

    /** Reads up to the tagged line (or the greeting when {@code tag} is null); returns literal bytes seen. */
    private long expectOk(String tag) throws IOException {
        long literalBytes = 0;
        while (true) {
            String line = readLine();
            if (tag == null || line.startsWith(tag + " ")) {
                if (!line.startsWith(tag == null ? "* OK" : tag + " OK")) {
                    throw new IOException("unexpected reply: " + line);
                }
                return literalBytes;
            }
            int open = line.lastIndexOf('{');
            if (line.endsWith("}") && open >= 0) {
                long size = Long.parseLong(line.substring(open + 1, line.length() - 1));
                skip(size);
                literalBytes += size;
            }
        }
    }

    private String readLine() throws IOException {
        int len = 0;
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    int end = len > 0 && lineBytes[len - 1] == '\r' ? len - 1 : len;
                    return new String(lineBytes, 0, end, StandardCharsets.US_ASCII);
                }
                if (len == lineBytes.length) {
                    throw new IOException("reply line too long");
                }
                lineBytes[len++] = b;
            }
            fill();
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            if (!in.hasRemaining()) {
                fill();
            }
            int k = (int) Math.min(n, in.remaining());
            in.position(in.position() + k);
            n -= k;
        }
    }

    private void fill() throws IOException {
        in.clear();
        if (channel.read(in) < 0) {
            throw new IOException("connection closed");
        }
        in.flip();
    }

    @Override
    public void close() throws IOException {
        try {
            command("LOGOUT");
        } catch (IOException e) {
            // closing anyway
        }
        channel.close();
    }
}
