package io.github.mailproxy.examples;

import io.github.mailproxy.Listener;
import io.github.mailproxy.ProxyServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mailproxy.jar} entry point.
 *
 * <pre>
 * java -jar mailproxy.jar                  # the demo: GreenMail backend, proxy on 127.0.0.1:1143 and :1110
 * java -jar mailproxy.jar --config FILE    # a proxy configured by a properties file
 * java -jar mailproxy.jar --help           # the keys of that file
 * </pre>
 *
 * <p>A configuration that cannot be used (unknown key, bad value, missing file, port in use) ends
 * the process with exit code 2 and one line naming the key or the port. Ctrl-C closes the server.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.launcher");

    /** Exit code of a configuration that cannot be used. */
    static final int EXIT_CONFIG = 2;

    private final PrintStream out;
    private final PrintStream err;

    Launcher(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the demo, or the proxy of {@code --config FILE}, until the process is stopped.
     *
     * @param args none, {@code --config FILE} or {@code --help}
     */
    public static void main(String[] args) {
        int code = new Launcher(System.out, System.err).run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Binds and starts a server from launcher properties.
     *
     * @param properties the keys of {@link ConfigKey}
     * @return the running server; the caller closes it
     * @throws ConfigException naming the key at fault, or the key and port that cannot be bound
     */
    public static ProxyServer start(Properties properties) {
        return start(LauncherConfig.parse(properties));
    }

    /**
     * Binds and starts a server from a checked configuration.
     *
     * @param config the configuration
     * @return the running server; the caller closes it
     * @throws ConfigException naming the key and port that cannot be bound
     */
    public static ProxyServer start(LauncherConfig config) {
        ProxyServer server = config.newServer();
        try {
            return server.start();
        } catch (UncheckedIOException e) {
            server.close();
            throw bindFailure(config.listeners(), e);
        }
    }

    /** @return the text of {@code --help} */
    static String help() {
        StringBuilder s = new StringBuilder()
                .append("Usage: java -jar mailproxy.jar                 run the demo (see README.md)\n")
                .append("       java -jar mailproxy.jar --config FILE   run a proxy configured by FILE\n")
                .append("       java -jar mailproxy.jar --help          show this\n\n")
                .append("FILE is a Java properties file with these keys:\n");
        for (ConfigKey key : ConfigKey.values()) {
            s.append(String.format("  %-16s %-20s %s%n", key.key(), key.form(), key.description()));
        }
        return s.append("\nExample (passdb.static without port: IMAP goes to the backend's 143, POP3 to its 110):\n")
                .append("  imap.listen = 127.0.0.1:1143\n")
                .append("  pop3.listen = 127.0.0.1:1110\n")
                .append("  passdb = static\n")
                .append("  passdb.static = proxy=y host=10.0.0.2 nopassword=y\n")
                .append("  auth = forward\n")
                .toString();
    }

    /**
     * Does what {@link #main} does, returning the exit code instead of exiting; blocks while a
     * server runs.
     */
    int run(String[] args) {
        try {
            if (args.length == 0) {
                return serve(Demo.start(Demo.IMAP_PORT, Demo.POP3_PORT), demo -> out.print(demo.banner()));
            }
            if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
                out.print(help());
                return 0;
            }
            if (args.length == 2 && args[0].equals("--config")) {
                LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(Path.of(args[1])));
                return serve(start(config), server -> logListeners(config, server));
            }
            err.println("mailproxy: unexpected arguments; try --help");
            return EXIT_CONFIG;
        } catch (ConfigException e) {
            err.println("mailproxy: " + e.getMessage());
            return EXIT_CONFIG;
        }
    }

    private static void logListeners(LauncherConfig config, ProxyServer server) {
        config.listeners().forEach((key, listener) -> {
            String protocol = listener.protocol().name();
            var bound = new InetSocketAddress(listener.address().getAddress(), server.port(protocol));
            LOG.info("{} listening on {} ({})", protocol, ListenAddress.format(bound), key.key());
        });
        LOG.info("mailproxy running; Ctrl-C stops it");
    }

    /** Keeps the process up until Ctrl-C (or another signal), then closes what runs. */
    private <T extends AutoCloseable> int serve(T running, Consumer<T> announce) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
                LOG.info("mailproxy stopped");
            } catch (Exception e) {
                LOG.warn("error while stopping", e);
            } finally {
                stopped.countDown();
            }
        }, "mailproxy-shutdown"));
        announce.accept(running);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Names the key and address that could not be bound. The engine's message names the address;
     * if it cannot be matched to a key, each configured address is tried once to find the taken one.
     */
    private static ConfigException bindFailure(Map<ConfigKey, Listener> listeners, UncheckedIOException e) {
        String message = String.valueOf(e.getMessage());
        String reason = rootCauseMessage(e);
        for (var entry : listeners.entrySet()) {
            InetSocketAddress address = entry.getValue().address();
            boolean named = Pattern.compile(":" + address.getPort() + "(?![0-9])").matcher(message).find();
            if (address.getPort() != 0 && named) {
                return cannotListen(entry.getKey(), address, reason, e);
            }
        }
        for (var entry : listeners.entrySet()) {
            InetSocketAddress address = entry.getValue().address();
            if (address.getPort() != 0 && !canBind(address)) {
                return cannotListen(entry.getKey(), address, reason, e);
            }
        }
        String all = listeners.entrySet().stream()
                .map(l -> l.getKey().key() + " = " + ListenAddress.format(l.getValue().address()))
                .collect(Collectors.joining(", "));
        return new ConfigException("cannot listen (" + all + "): " + message, e);
    }

    private static ConfigException cannotListen(ConfigKey key, InetSocketAddress address, String reason,
                                                Exception cause) {
        return new ConfigException(key.key() + ": cannot listen on " + ListenAddress.format(address) + ": " + reason,
                cause);
    }

    /** The innermost message, such as "Address already in use", without the wrappers' repetitions. */
    private static String rootCauseMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    private static boolean canBind(InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
