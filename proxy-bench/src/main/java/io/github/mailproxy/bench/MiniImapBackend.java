package io.github.mailproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal IMAP server for the 10,000-session test, which no Dovecot on a small machine can hold
 * (one process per session): greets, accepts any LOGIN, answers CAPABILITY, ID, NOOP, SELECT and
 * LOGOUT, on one thread, with a few hundred bytes per idle connection.
 *
 * <p>Argument: the port to listen on (loopback).
 */
public final class MiniImapBackend {

    private static final byte[] GREETING = ascii("* OK [CAPABILITY IMAP4rev1 ID] mini ready\r\n");

    private MiniImapBackend() {
    }

    /**
     * Serves until killed.
     *
     * @param args the port
     * @throws IOException when the port cannot be bound
     */
    public static void main(String[] args) throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (true) {
            selector.select(key -> {
                try {
                    if (key.isAcceptable()) {
                        SocketChannel ch;
                        while ((ch = server.accept()) != null) {
                            ch.configureBlocking(false);
                            ch.write(ByteBuffer.wrap(GREETING));
                            ch.register(selector, SelectionKey.OP_READ, new StringBuilder());
                        }
                    } else if (key.isReadable()) {
                        read((SocketChannel) key.channel(), (StringBuilder) key.attachment(), buf);
                    }
                } catch (IOException e) {
                    close(key);
                }
            });
        }
    }

    private static void read(SocketChannel ch, StringBuilder pending, ByteBuffer buf) throws IOException {
        buf.clear();
        if (ch.read(buf) < 0) {
            ch.close();
            return;
        }
        pending.append(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, nl).trim();
            pending.delete(0, nl + 1);
            int sp = line.indexOf(' ');
            String tag = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            String verb = rest.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            String reply = switch (verb) {
                case "CAPABILITY" -> "* CAPABILITY IMAP4rev1 ID\r\n" + tag + " OK done\r\n";
                case "ID" -> "* ID NIL\r\n" + tag + " OK done\r\n";
                case "LOGOUT" -> "* BYE bye\r\n" + tag + " OK done\r\n";
                case "SELECT" -> "* 0 EXISTS\r\n" + tag + " OK [READ-WRITE] done\r\n";
                default -> tag + " OK done\r\n";
            };
            ch.write(ByteBuffer.wrap(ascii(reply)));
            if (verb.equals("LOGOUT")) {
                ch.close();
                return;
            }
        }
    }

    private static void close(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException e) {
            // already gone
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
