package io.github.mailproxy.testing;

import io.github.mailproxy.LocalSession;
import io.github.mailproxy.LocalStreams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A blocking server for local-session tests, run through {@link LocalStreams}: it records each
 * session it serves, answers each line with {@code * ECHO <line>}, and at a line {@code LOGOUT} or
 * {@code QUIT} says {@code * BYE} and returns (the server closes first). At the end of input it
 * returns too (the client closed first).
 */
public final class LocalEcho implements LocalStreams.Service {

    /** What a session looked like to the server. */
    public record Served(String user, String protocol, String tag, boolean secured, String clientAddress,
                         List<String> lines) {
    }

    /** Sessions served to their end, in order. */
    public final BlockingQueue<Served> served = new LinkedBlockingQueue<>();

    @Override
    public void serve(LocalSession session, InputStream in, OutputStream out) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        try {
            String line;
            while ((line = readLine(in)) != null) {
                lines.add(line);
                if (line.equals("LOGOUT") || line.equals("QUIT")) {
                    out.write("* BYE\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                }
                out.write(("* ECHO " + line + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            served.add(new Served(session.user(), session.protocol(), session.tag(), session.secured(),
                    session.clientAddress().getAddress().getHostAddress(), List.copyOf(lines)));
        }
    }

    /**
     * @param in a stream
     * @return the next line without CRLF, or null at its end
     * @throws IOException if reading fails
     */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }
}
