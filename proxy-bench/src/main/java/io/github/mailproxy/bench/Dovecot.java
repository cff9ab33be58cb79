package io.github.mailproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private Dovecot instance: its own configuration, base_dir, state_dir and logs under the run's
 * temporary directory, listening on high loopback ports only; never the system's service.
 */
final class Dovecot extends Proxy {

    private final boolean proxy;

    private Dovecot(String name, int imapPort, int pop3Port, boolean proxy) {
        super(name, imapPort, pop3Port);
        this.proxy = proxy;
    }

    /**
     * The backend: passwd-file users, maildirs owned by {@code uid}, mail processes reused
     * ({@code service_count = 100}) and login processes in high-performance mode, so that forking
     * per login does not decide the figures.
     */
    static Dovecot backend(Path dir, int imapPort, int pop3Port, Path users, Path mail, int uid) throws IOException {
        String conf = common(dir, "mpbench-backend", imapPort, pop3Port)
                + "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN " + users + "\n}\n"
                + "userdb {\n  driver = static\n  args = uid=" + uid + " gid=" + uid
                + " home=" + mail + "/%u mail=maildir:" + mail + "/%u/Maildir\n}\n"
                + "mail_fsync = never\n"
                + "protocol imap {\n  mail_max_userip_connections = 20000\n}\n"
                + "protocol pop3 {\n  mail_max_userip_connections = 20000\n}\n"
                + "service imap {\n  service_count = 100\n  process_limit = 12000\n}\n"
                + "service pop3 {\n  service_count = 100\n  process_limit = 12000\n}\n";
        Dovecot d = new Dovecot(LoadBench.DIRECT, imapPort, pop3Port, false);
        d.launch(dir, conf);
        return d;
    }

    /** The proxy: a static passdb answering {@code proxy=y nopassword=y} with the backend's port. */
    static Dovecot proxy(Path dir, int imapPort, int pop3Port, int backendImap, int backendPop3, int uid)
            throws IOException {
        return proxy(dir, imapPort, pop3Port, backendImap, backendPop3, uid, null);
    }

    /**
     * The proxy, with implicit TLS (IMAPS, POP3S) on its two ports when {@code tls} is given.
     *
     * @param tls the certificate and key, or null for plaintext listeners
     */
    static Dovecot proxy(Path dir, int imapPort, int pop3Port, int backendImap, int backendPop3, int uid, Certs tls)
            throws IOException {
        String conf = (tls == null ? common(dir, "mpbench-proxy", imapPort, pop3Port)
                : common(dir, "mpbench-proxy", 0, 0).replace("ssl = no\n", "ssl = required\nssl_cert = <" + tls.cert()
                        + "\nssl_key = <" + tls.key() + "\n")
                        .replace("inet_listener imaps {\n    port = 0", "inet_listener imaps {\n    port = " + imapPort)
                        .replace("inet_listener pop3s {\n    port = 0", "inet_listener pop3s {\n    port = " + pop3Port))
                + "passdb {\n  driver = static\n  args = proxy=y nopassword=y host=127.0.0.1 port=%{if;%s;eq;imap;"
                + backendImap + ";" + backendPop3 + "}\n}\n"
                + "userdb {\n  driver = static\n  args = uid=" + uid + " gid=" + uid + "\n}\n";
        Dovecot d = new Dovecot(LoadBench.DOVECOT, imapPort, pop3Port, true);
        d.launch(dir, conf);
        return d;
    }

    private static String common(Path dir, String instance, int imapPort, int pop3Port) {
        return "instance_name = " + instance + "\n"
                + "base_dir = " + dir.resolve("run") + "\n"
                + "state_dir = " + dir.resolve("state") + "\n"
                + "log_path = " + dir.resolve("dovecot.log") + "\n"
                + "info_log_path = " + dir.resolve("dovecot-info.log") + "\n"
                + "listen = 127.0.0.1\n"
                + "protocols = imap pop3\n"
                + "ssl = no\n"
                + "disable_plaintext_auth = no\n"
                + "auth_mechanisms = plain login\n"
                + "default_internal_user = dovecot\n"
                + "default_login_user = dovenull\n"
                + "default_client_limit = 6000\n"
                + "default_vsz_limit = 1G\n"
                // high-performance mode: long-lived login processes, one per core
                + "service imap-login {\n  inet_listener imap {\n    port = " + imapPort + "\n  }\n"
                + "  inet_listener imaps {\n    port = 0\n  }\n"
                + "  service_count = 0\n  process_min_avail = 2\n  client_limit = 6000\n}\n"
                + "service pop3-login {\n  inet_listener pop3 {\n    port = " + pop3Port + "\n  }\n"
                + "  inet_listener pop3s {\n    port = 0\n  }\n"
                + "  service_count = 0\n  process_min_avail = 2\n  client_limit = 6000\n}\n";
    }

    private void launch(Path dir, String conf) throws IOException {
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        Path file = dir.resolve("dovecot.conf");
        Files.writeString(file, conf);
        start(List.of("dovecot", "-F", "-c", file.toString()), dir.resolve("stdout.log"));
    }

    /** Dovecot proxy: its login and auth processes, as issue 8 counts them. Backend: all of it. */
    @Override
    List<Long> costPids() {
        return ProcStats.tree(process.pid(), comm -> !proxy || comm.endsWith("-login") || comm.equals("auth"));
    }
}
