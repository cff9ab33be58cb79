package io.github.mailproxy.passdb.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal IMAP client for checking the proxy's exact tagged replies. */
final class RawImap implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    RawImap(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(20_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        String greeting = in.readLine();
        if (greeting == null || !greeting.startsWith("* OK")) {
            throw new IOException("unexpected greeting: " + greeting);
        }
    }

    /**
     * Sends a tagged LOGIN and returns the tagged reply.
     *
     * @return the line starting with {@code a1 }
     */
    String login(String user, String password) throws IOException {
        return command("a1 LOGIN \"" + user + "\" \"" + password + "\"", "a1 ");
    }

    /** Sends a command and returns the reply line that starts with {@code tag}, untagged lines skipped. */
    String command(String line, String tag) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        StringBuilder untagged = new StringBuilder();
        String reply;
        while ((reply = in.readLine()) != null) {
            if (reply.startsWith(tag)) {
                return reply;
            }
            untagged.append(reply).append('\n');
        }
        throw new IOException("connection closed before the tagged reply; got: " + untagged);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
