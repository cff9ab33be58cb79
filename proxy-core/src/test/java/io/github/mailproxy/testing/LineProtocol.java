package io.github.mailproxy.testing;

import io.github.mailproxy.AuthDecision;
import io.github.mailproxy.spi.BackendConnection;
import io.github.mailproxy.spi.BackendHandler;
import io.github.mailproxy.spi.ClientHandler;
import io.github.mailproxy.spi.ClientSession;
import io.github.mailproxy.spi.LineFramer;
import io.github.mailproxy.spi.LoginFlow;
import io.github.mailproxy.spi.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A minimal line protocol for testing the engine without IMAP or POP3: greeting {@code HELLO};
 * {@code TLS} starts TLS; {@code LOGIN user pass} authenticates and, when proxied, connects to the
 * backend, waits for its first line, answers {@code OK <that line>} and relays; {@code TTL n} passes
 * a proxy TTL in as a trusted client may (Dovecot's {@code x-proxy-ttl}); anything else gets
 * {@code ERR}. {@code QUIT} says {@code BYE} and closes. It drives the engine's login seams
 * ({@link LoginFlow.Host}, which the core's session implements) by hand instead of through a
 * {@link LoginFlow}, to test the engine below the flow; real protocols use {@link ClientSession#login()}.
 */
public final class LineProtocol implements Protocol {

    @Override
    public String name() {
        return "line";
    }

    @Override
    public int defaultBackendPort() {
        return 1;
    }

    @Override
    public ClientHandler newClientHandler(ClientSession session) {
        return new Handler(session);
    }

    private static final class Handler implements ClientHandler {
        private final ClientSession session;
        private final LoginFlow.Host host;
        private final LineFramer framer = new LineFramer(1000);

        Handler(ClientSession session) {
            this.session = session;
            this.host = (LoginFlow.Host) session;
        }

        @Override
        public void onOpen() {
            session.write("HELLO\r\n");
        }

        @Override
        public void onInput(ByteBuffer in) {
            for (;;) {
                LineFramer.Status status = framer.next(in);
                if (status == LineFramer.Status.NEED_MORE) {
                    return;
                }
                if (status == LineFramer.Status.TOO_LONG) {
                    session.write("ERR too long\r\n");
                    continue;
                }
                String line = new String(framer.line(), StandardCharsets.UTF_8);
                String[] parts = line.split(" ");
                switch (parts[0]) {
                    case "TLS" -> {
                        session.write("OK go\r\n");
                        session.startTls();
                        return;
                    }
                    case "SECURE" -> session.write(session.secured() ? "YES\r\n" : "NO\r\n");
                    case "TTL" -> {
                        session.incomingProxyTtl(Integer.parseInt(parts[1]));
                        session.write("OK ttl\r\n");
                    }
                    case "QUIT" -> {
                        session.write("BYE\r\n");
                        session.close();
                        return;
                    }
                    case "LOGIN" -> {
                        if (parts.length != 3) {
                            session.write("ERR syntax\r\n");
                            continue;
                        }
                        login(parts[1], parts[2]);
                        return;
                    }
                    default -> session.write("ERR unknown\r\n");
                }
            }
        }

        private void login(String user, String password) {
            host.pauseInput();
            session.user(user);
            host.authenticate(session.authRequest(user, password, "PLAIN")).thenAccept(decision -> {
                if (decision instanceof AuthDecision.Proxy proxy) {
                    host.connectBackend(proxy.target(), new Backend(session, proxy.target().tls() == io.github.mailproxy.TlsMode.STARTTLS));
                } else {
                    session.write("NO " + decision.getClass().getSimpleName() + "\r\n");
                    host.resumeInput();
                }
            });
        }

        @Override
        public void onTimeout() {
            session.write("TIMEOUT\r\n");
        }

        @Override
        public void onShutdown() {
            session.write("SHUTDOWN\r\n");
        }

        @Override
        public void onOverloaded() {
            session.write("BUSY\r\n");
        }
    }

    private static final class Backend implements BackendHandler {
        private final ClientSession session;
        private final LoginFlow.Host host;
        private final LineFramer framer = new LineFramer(1000);
        private final boolean startTls;
        private BackendConnection connection;

        Backend(ClientSession session, boolean startTls) {
            this.session = session;
            this.host = (LoginFlow.Host) session;
            this.startTls = startTls;
        }

        @Override
        public void onConnected(BackendConnection connection) {
            this.connection = connection;
        }

        @Override
        public void onInput(ByteBuffer in) {
            if (framer.next(in) != LineFramer.Status.LINE) {
                return;
            }
            String line = new String(framer.line(), StandardCharsets.UTF_8);
            if (startTls && line.equals("WELCOME")) {
                connection.write("STARTTLS\r\n");
            } else if (startTls && line.equals("GO")) {
                connection.startTls();
            } else {
                session.write("OK " + new String(framer.line(), StandardCharsets.UTF_8) + "\r\n");
                host.startRelay(connection);
            }
        }

        @Override
        public void onConnectFailed(IOException cause) {
            session.write("UNAVAILABLE\r\n");
            host.resumeInput();
        }

        @Override
        public void onClosed() {
            session.write("UNAVAILABLE\r\n");
            host.resumeInput();
        }
    }
}
