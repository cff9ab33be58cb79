package io.github.mailproxy.imap;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client session of the soak: a scenario drawn from the session's own random stream, played
 * against the proxy, checked reply by reply. Well-behaved scenarios fetch the user's message and
 * compare it byte for byte with what GreenMail serves directly.
 */
final class SoakSession {

    /** What a session does; the rude ones are the faults of issue 7, item 4. */
    enum Scenario {
        /** LOGIN, SELECT, FETCH BODY[], LOGOUT; sometimes the credentials as literals. */
        GOOD(40),
        /** Like GOOD, the login command trickled in small pieces. */
        SLOW(5),
        /** A wrong password, then LOGOUT. */
        WRONG_PASSWORD(12),
        /** Commands the proxy does not know before login, up to being disconnected for them. */
        GARBAGE(10),
        /** A line over the limit, then a good login. */
        OVERLONG_LINE(5),
        /** Resets the connection at a random point, before or after login. */
        VANISH(28);

        final int weight;

        Scenario(int weight) {
            this.weight = weight;
        }

        static Scenario draw(Random random) {
            int total = Arrays.stream(values()).mapToInt(s -> s.weight).sum();
            int n = random.nextInt(total);
            for (Scenario s : values()) {
                n -= s.weight;
                if (n < 0) {
                    return s;
                }
            }
            throw new AssertionError();
        }
    }

    /** Where a vanishing client resets its connection. */
    private enum VanishPoint { BEFORE_GREETING, MID_LINE, MID_LITERAL, AFTER_LOGIN, MID_FETCH }

    /** A user of the soak and the message GreenMail serves for it. */
    record User(String login, String password, byte[] message) {
    }

    private static final Pattern FETCH_LITERAL = Pattern.compile("\\* 1 FETCH \\(BODY\\[\\] \\{(\\d+)}");
    private static final int DEADLINE_MILLIS = 20_000;

    private final int port;
    private final Random random;
    private final User user;
    private final int maxLine;
    private final int maxBad;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    SoakSession(int port, Random random, User user, int maxLine, int maxBad) {
        this.port = port;
        this.random = random;
        this.user = user;
        this.maxLine = maxLine;
        this.maxBad = maxBad;
    }

    /**
     * Plays the scenario.
     *
     * @return whether it fetched and verified a message
     * @throws AssertionError or IOException naming what went wrong
     */
    boolean run(Scenario scenario) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);  // a slow client's small writes go out as written
            socket.connect(new InetSocketAddress("127.0.0.1", port), DEADLINE_MILLIS);
            socket.setSoTimeout(DEADLINE_MILLIS);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            return switch (scenario) {
                case GOOD -> good(random.nextInt(4) == 0, false);
                case SLOW -> good(random.nextBoolean(), true);
                case WRONG_PASSWORD -> wrongPassword();
                case GARBAGE -> garbage();
                case OVERLONG_LINE -> overlong();
                case VANISH -> vanish(VanishPoint.values()[random.nextInt(VanishPoint.values().length)]);
            };
        } finally {
            socket.close();
        }
    }

    private boolean good(boolean literals, boolean slow) throws IOException {
        expectGreeting();
        if (literals) {
            send("a LOGIN {" + user.login().length() + "}\r\n", slow);
            expect("+ Ready for literal data");
            send(user.login() + " {" + user.password().length() + "}\r\n", slow);
            expect("+ Ready for literal data");
            send(user.password() + "\r\n", slow);
        } else {
            send("a LOGIN " + user.login() + " " + user.password() + "\r\n", slow);
        }
        expectTaggedOk("a");
        fetchAndCompare();
        logout("z");
        return true;
    }

    private void fetchAndCompare() throws IOException {
        send("b SELECT INBOX\r\n", false);
        expectTaggedOk("b");
        send("c FETCH 1 BODY[]\r\n", false);
        String head = line();
        Matcher m = FETCH_LITERAL.matcher(head == null ? "" : head);
        check(m.matches(), "FETCH reply " + head);
        byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
        check(Arrays.equals(body, user.message()), "message of " + user.login() + " differs: got "
                + body.length + " bytes, expected " + user.message().length);
        expect(")");
        expectTaggedOk("c");
    }

    private boolean wrongPassword() throws IOException {
        expectGreeting();
        send("a LOGIN " + user.login() + " not-" + user.password() + "\r\n", false);
        expect("a " + ImapClientHandler.AUTH_FAILED);
        logout("z");
        return false;
    }

    private boolean garbage() throws IOException {
        expectGreeting();
        int commands = 1 + random.nextInt(maxBad);
        for (int i = 1; i <= commands; i++) {
            String tag = "g" + i;
            send(tag + " " + word(1 + random.nextInt(12)) + " " + word(random.nextInt(20)) + "\r\n", false);
            expect(tag + " BAD Command unknown or not allowed before login.");
        }
        if (commands == maxBad) {
            expect("* BYE Too many invalid commands.");
            expectEnd();
        } else {
            logout("z");
        }
        return false;
    }

    private boolean overlong() throws IOException {
        expectGreeting();
        send("o1 LOGIN " + user.login() + " " + "x".repeat(maxLine + random.nextInt(4 * maxLine)) + "\r\n", false);
        expect("o1 BAD " + ImapDecoder.LINE_TOO_LONG);
        send("a LOGIN " + user.login() + " " + user.password() + "\r\n", false);
        expectTaggedOk("a");
        fetchAndCompare();
        logout("z");
        return true;
    }

    private boolean vanish(VanishPoint point) throws IOException {
        socket.setSoLinger(true, 0);  // close() now sends RST
        if (point == VanishPoint.BEFORE_GREETING) {
            return false;
        }
        expectGreeting();
        String login = "a LOGIN " + user.login() + " " + user.password() + "\r\n";
        switch (point) {
            case MID_LINE -> send(login.substring(0, 1 + random.nextInt(login.length() - 2)), false);
            case MID_LITERAL -> {
                send("a LOGIN {" + user.login().length() + "}\r\n", false);
                expect("+ Ready for literal data");
                send(user.login().substring(0, random.nextInt(user.login().length())), false);
            }
            case AFTER_LOGIN -> {
                send(login, false);
                expectTaggedOk("a");
            }
            case MID_FETCH -> {
                send(login + "b SELECT INBOX\r\n", false);
                expectTaggedOk("a");
                expectTaggedOk("b");
                send("c FETCH 1 BODY[]\r\n", false);
                in.readNBytes(1 + random.nextInt(user.message().length / 2));
            }
            default -> throw new AssertionError(point);
        }
        return false;
    }

    private void logout(String tag) throws IOException {
        send(tag + " LOGOUT\r\n", false);
        String bye = line();
        check(bye != null && bye.startsWith("* BYE"), "LOGOUT answered " + bye);
        expectTaggedOk(tag);
        expectEnd();
    }

    private String word(int length) {
        StringBuilder sb = new StringBuilder("X");  // never a command the proxy knows
        for (int i = 0; i < length; i++) {
            sb.append((char) ('A' + random.nextInt(26)));
        }
        return sb.toString();
    }

    private void send(String text, boolean slow) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (!slow) {
            out.write(bytes);
            out.flush();
            return;
        }
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, 1 + random.nextInt(3));
            out.write(bytes, i, n);
            out.flush();
            i += n;
            pause(1 + random.nextInt(5));
        }
    }

    /** The pace of a slow client, which is what the SLOW scenario is about; nothing waits on it. */
    private static void pause(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void expectGreeting() throws IOException {
        String greeting = line();
        check(greeting != null && greeting.startsWith("* OK [CAPABILITY ") && greeting.endsWith("] mailproxy ready."),
                "greeting " + greeting);
    }

    private void expectTaggedOk(String tag) throws IOException {
        List<String> seen = new java.util.ArrayList<>();
        while (true) {
            String line = line();
            check(line != null, "end of stream before " + tag + " OK, after " + seen);
            seen.add(line);
            if (line.startsWith(tag + " ")) {
                check(line.startsWith(tag + " OK"), "reply " + seen);
                return;
            }
            check(line.startsWith("* "), "untagged line expected before " + tag + " OK: " + seen);
        }
    }

    private void expect(String wanted) throws IOException {
        String line = line();
        check(wanted.equals(line), "expected <" + wanted + "> but got <" + line + ">");
    }

    private void expectEnd() throws IOException {
        try {
            int b = in.read();
            check(b < 0, "end of stream expected, got byte " + b);
        } catch (SocketException e) {
            // a reset after the last reply is an end too
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                check(s.endsWith("\r"), "line without CRLF: " + s);
                return s.substring(0, s.length() - 1);
            }
            line.write(b);
        }
        check(line.size() == 0, "stream ended inside a line: " + line);
        return null;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
