package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.ListenerBindException;
import io.github.mailproxy.ProxyServer;
import io.github.mailproxy.examples.Demo;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mailproxy.jar} entry point.
 *
 * <pre>
 * java -jar mailproxy.jar                  # the demo: two GreenMail backends, H2 passdb, proxy on 127.0.0.1:1143 and :1110
 * java -jar mailproxy.jar --demo 0 0       # the demo with the proxy on other ports (0 = any free port)
 * java -jar mailproxy.jar --config FILE    # a proxy configured by a properties file
 * java -jar mailproxy.jar --help           # the keys of that file
 * </pre>
 *
 * <p>A configuration that cannot be used (unknown key, bad value, missing file, port in use) ends
 * the process with exit code 2 and one line naming the key or the port. Ctrl-C (SIGINT, SIGTERM)
 * closes the server and exits with 0. If the server fails on its own (an {@code Error} such as
 * {@code OutOfMemoryError} on an event loop, see {@link ProxyServer#failure()}), the process exits
 * with {@value #EXIT_SOFTWARE} (BSD's {@code EX_SOFTWARE}) so that a supervisor restarts it.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger("io.github.mailproxy.launcher");

    /** Exit code of a configuration that cannot be used. */
    static final int EXIT_CONFIG = 2;
    /** Exit code of a server that failed while running. */
    static final int EXIT_SOFTWARE = 70;

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private AutoCloseable running;
    private volatile boolean serverFailed;

    Launcher(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the demo, or the proxy of {@code --config FILE}, until the process is stopped.
     *
     * @param args none, {@code --demo IMAP_PORT POP3_PORT}, {@code --config FILE} or {@code --help}
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
     * @param properties the keys of {@link ConfigKey#values()}
     * @return the running proxy; the caller closes it
     * @throws ConfigException naming the key at fault, or the key and port that cannot be bound
     */
    public static RunningProxy start(Properties properties) {
        return start(LauncherConfig.parse(properties));
    }

    /**
     * Connects the PassDb's database if it has one, then binds and starts a server. The
     * configuration is closed if this fails, and with the returned proxy otherwise.
     *
     * @param config the configuration
     * @return the running proxy; the caller closes it
     * @throws ConfigException naming the key of a database that cannot be reached, or the key and port
     *                         that cannot be bound
     */
    public static RunningProxy start(LauncherConfig config) {
        ProxyServer server = null;
        AdminListener admin = config.admin().map(a -> new AdminListener(a, Clock.systemUTC())).orElse(null);
        try {
            if (config.passDb() instanceof PooledJdbcPassDb jdbc) {
                jdbc.checkConnection();
            }
            server = admin == null ? config.newServer() : config.newServer(admin.sessionListeners(
                    config.listeners().values().stream().map(l -> l.protocol().name()).distinct()
                            .toArray(String[]::new)));
            server.start();
            if (admin != null) {
                admin.start(server);
            }
            return new RunningProxy(server, config, admin);
        } catch (RuntimeException e) {
            if (admin != null) {
                admin.close();
            }
            if (server != null) {
                server.close();
            }
            config.close();
            throw e instanceof ListenerBindException bind ? cannotListen(config, bind) : e;
        }
    }

    /** Names the key whose address could not be bound, as the server names the listener. */
    private static ConfigException cannotListen(LauncherConfig config, ListenerBindException e) {
        String key = config.listeners().entrySet().stream().filter(entry -> entry.getValue() == e.listener())
                .map(entry -> entry.getKey().key()).findFirst().orElse(e.listener().protocol().name());
        return new ConfigException(key + ": cannot listen on " + ListenAddress.format(e.address()) + ": " + e.reason(),
                e);
    }

    /** @return the text of {@code --help} */
    static String help() {
        StringBuilder s = new StringBuilder()
                .append("Usage: java -jar mailproxy.jar                 run the demo (see README.md)\n")
                .append("       java -jar mailproxy.jar --demo IMAP_PORT POP3_PORT   the demo on other ports (0 = any free)\n")
                .append("       java -jar mailproxy.jar --config FILE   run a proxy configured by FILE\n")
                .append("       java -jar mailproxy.jar --help          show this\n\n")
                .append("FILE is a Java properties file (key = value, # comments on lines of their own).\n")
                .append("Durations: 30s, 5m, 1h, 500ms. Keys, the form of their value [default]:\n\n");
        for (ConfigKey<?> key : ConfigKey.values()) {
            s.append(String.format("  %-25s %s [%s]%n  %-25s   %s%n", key.key(), key.form(), key.defaultValue(), "",
                    key.description()));
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
     * server runs, until {@link #stop()} or the end of the process.
     */
    int run(String[] args) {
        try {
            if (args.length == 0) {
                return demo(Demo.IMAP_PORT, Demo.POP3_PORT);
            }
            if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
                out.print(help());
                return 0;
            }
            if (args.length == 3 && args[0].equals("--demo")) {
                int imap = ListenAddress.port("--demo IMAP_PORT", args[1], 0);
                int pop3 = ListenAddress.port("--demo POP3_PORT", args[2], 0);
                return demo(imap, pop3);
            }
            if (args.length == 2 && args[0].equals("--config")) {
                LauncherConfig config = LauncherConfig.parse(LauncherConfig.load(Path.of(args[1])));
                RunningProxy proxy = start(config);
                return serve(proxy, proxy.server(), Launcher::logListeners);
            }
            err.println("mailproxy: unexpected arguments; try --help");
            return EXIT_CONFIG;
        } catch (ConfigException e) {
            err.println("mailproxy: " + e.getMessage());
            return EXIT_CONFIG;
        }
    }

    /** Runs the demo until stopped; a port it cannot bind ends it with a hint, as a configuration error. */
    private int demo(int imapPort, int pop3Port) {
        Demo demo;
        try {
            demo = Demo.start(imapPort, pop3Port);
        } catch (UncheckedIOException e) {  // a port in use (ListenerBindException), 127.0.0.2 missing
            String hint = e instanceof ListenerBindException ? "; --demo IMAP_PORT POP3_PORT runs it on other ports" : "";
            err.println("mailproxy: the demo " + e.getMessage() + hint);
            return EXIT_CONFIG;
        }
        return serve(demo, demo.proxy(), d -> out.print(d.banner()));
    }

    /**
     * Closes what {@link #run} serves and lets it return; what Ctrl-C does. Idempotent; does nothing
     * before anything runs.
     */
    void stop() {
        AutoCloseable running;
        synchronized (this) {
            running = this.running;
            this.running = null;
        }
        if (running == null) {
            return;
        }
        try {
            running.close();
            LOG.info("mailproxy stopped");
        } catch (Exception e) {
            LOG.warn("error while stopping", e);
        } finally {
            stopped.countDown();
        }
    }

    private static void logListeners(RunningProxy proxy) {
        proxy.config().listeners().forEach((key, listener) -> {
            String protocol = listener.protocol().name();
            InetSocketAddress bound = proxy.server().address(listener);
            LOG.info("{} listening on {} ({}, TLS {})", protocol, ListenAddress.format(bound), key.key(),
                    listener.tlsMode().name().toLowerCase(java.util.Locale.ROOT));
        });
        LOG.info("mailproxy running; Ctrl-C stops it");
    }

    /**
     * Keeps the process up until Ctrl-C (or another signal), {@link #stop()} or a failure of the
     * server, then closes what runs.
     *
     * @return 0, or {@link #EXIT_SOFTWARE} if the server failed
     */
    private <T extends AutoCloseable> int serve(T started, ProxyServer server, Consumer<T> announce) {
        synchronized (this) {
            running = started;
        }
        Thread hook = new Thread(this::stop, "mailproxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread watch = new Thread(() -> watch(server), "mailproxy-watch");
        watch.setDaemon(true);
        watch.start();
        announce.accept(started);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
        if (serverFailed) {
            stop(); // what the server owns besides itself: the demo's backends, a JDBC pool
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is what stopped us
        }
        if (serverFailed) {
            err.println("mailproxy: the server failed (see the log); exiting with " + EXIT_SOFTWARE);
            return EXIT_SOFTWARE;
        }
        return 0;
    }

    /** Waits for the server to end; if it ended by failing, lets {@link #serve} return. */
    private void watch(ProxyServer server) {
        try {
            while (!server.awaitTermination(java.time.Duration.ofDays(1))) {
                // a server that runs for days: wait on
            }
        } catch (InterruptedException e) {
            return;
        }
        if (server.failure().isPresent()) {
            serverFailed = true;
            stopped.countDown();
        }
    }
}
