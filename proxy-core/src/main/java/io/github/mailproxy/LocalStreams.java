package io.github.mailproxy;

import io.github.mailproxy.internal.StreamBridge;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Serves local sessions with a server written on blocking streams (most Java mail servers,
 * GreenMail's protocol handlers): each session runs {@link Service#serve} on a thread of an executor
 * the application chooses, with an {@link InputStream} and an {@link OutputStream} over the session's
 * non-blocking connection.
 *
 * <pre>{@code
 * ExecutorService threads = new ThreadPoolExecutor(0, 200, 60, TimeUnit.SECONDS, new SynchronousQueue<>());
 * builder.localHandler("imap", LocalStreams.handler(List.of("IMAP4rev1"), threads,
 *         (session, in, out) -> myImapServer.serveAuthenticated(session.user(), session.tag(), in, out)));
 * }</pre>
 *
 * <p>Backpressure works both ways with bounded memory: the input stream holds at most 64 KiB; while it
 * is full the proxy reads nothing more from the client. A write blocks while 64 KiB are on their way
 * to the loop or {@link LocalSession#OUTPUT_HIGH_WATER} wait for a client that does not read. A session
 * thus holds about 200 KiB at most, whatever the client or the server do.
 *
 * <p>Closing: when the client goes (or the server kicks the session, or shuts down), a read returns
 * what is buffered and then -1, and a write throws {@link IOException}. When {@code serve} returns or
 * throws, or the application closes either stream, the session closes after the output written so far
 * is sent. Each write is handed to the loop as one task: wrap the stream in a
 * {@link java.io.BufferedOutputStream} (and flush it) when writing small pieces. An executor that
 * rejects the session (bounded and full) closes it: the client, already logged in, sees the connection
 * close, and the log says why.
 */
public final class LocalStreams {

    private LocalStreams() {
    }

    /** A server that serves one logged-in session over blocking streams. */
    @FunctionalInterface
    public interface Service {

        /**
         * Serves a session until it ends; runs on a thread of the executor. The session's fixed values
         * ({@link LocalSession#user()}, {@link LocalSession#tag()}, ...) may be read here; its I/O calls
         * belong to the loop, use the streams.
         *
         * @param session the session
         * @param in      what the client sends, starting with what it pipelined after the login command
         * @param out     to the client
         * @throws IOException when the streams fail (the client went away); the session closes
         */
        void serve(LocalSession session, InputStream in, OutputStream out) throws IOException;
    }

    /**
     * Makes a handler that runs each session on the executor.
     *
     * @param capabilities the IMAP capabilities after login ({@link LocalSessionHandler#capabilities()})
     * @param executor     where sessions run, one task each for the session's whole life; bound it
     * @param service      the server
     * @return the handler, for {@link ProxyServer.Builder#localHandler(String, LocalSessionHandler)}
     * @throws NullPointerException if an argument or capability is null
     */
    public static LocalSessionHandler handler(List<String> capabilities, Executor executor, Service service) {
        List<String> caps = List.copyOf(capabilities);
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(service, "service");
        return new LocalSessionHandler() {
            @Override
            public List<String> capabilities() {
                return caps;
            }

            @Override
            public LocalSession.Receiver open(LocalSession session) {
                return StreamBridge.start(session, executor, service::serve);
            }

            @Override
            public String toString() {
                return "LocalStreams[" + service + "]";
            }
        };
    }
}
