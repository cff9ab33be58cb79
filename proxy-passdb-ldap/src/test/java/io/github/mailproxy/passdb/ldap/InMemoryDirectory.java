package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import io.github.mailproxy.AuthRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * UnboundID's in-memory directory on a free loopback port, holding the test users: Dovecot's proxy
 * attributes under {@code ou=people,dc=example,dc=org}, a nested {@code ou=staff}, two entries that
 * share a uid, and users whose names hold characters a filter or a DN must escape.
 */
final class InMemoryDirectory implements AutoCloseable {

    static final String BASE = "dc=example,dc=org";
    static final String PEOPLE = "ou=people," + BASE;
    static final String SERVICE_DN = "cn=dovecot," + BASE;
    static final String SERVICE_PASSWORD = "secret-john";

    private final InMemoryDirectoryServer server;

    InMemoryDirectory() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.addAdditionalBindCredentials(SERVICE_DN, SERVICE_PASSWORD);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(),
                0, null));
        config.setSchema(null);  // mailHost and friends are not in the standard schema
        server = new InMemoryDirectoryServer(config);
        server.add("dn: " + BASE, "objectClass: domain", "dc: example");
        server.add("dn: " + PEOPLE, "objectClass: organizationalUnit", "ou: people");
        server.add("dn: ou=staff," + PEOPLE, "objectClass: organizationalUnit", "ou: staff");
        user("alice", PEOPLE, "pw-alice", "mailHost: 10.0.0.1", "mailPort: 1143", "mail: alice@example.org");
        user("bob", PEOPLE, "pw-bob", "mailHost: 10.0.0.2", "mailHost: 10.0.0.3");
        user("carol", "ou=staff," + PEOPLE, "pw-carol", "mailHost: 10.0.0.4");
        user("twin", PEOPLE, "pw-alice", "mailHost: 10.0.0.5");
        user("twin", "ou=staff," + PEOPLE, "pw-alice", "mailHost: 10.0.0.6");
        // characters a filter or a DN gives meaning to, in a real uid
        server.add("dn: uid=o\\28brien\\2C jr," + PEOPLE, "objectClass: posixAccount", "uid: o(brien, jr",
                "userPassword: pw-bob", "mailHost: 10.0.0.7");
        user("jösé", PEOPLE, "pw-carol", "mailHost: 10.0.0.8");
        server.startListening();
    }

    private void user(String uid, String parent, String password, String... more) throws Exception {
        String[] ldif = new String[4 + more.length];
        ldif[0] = "dn: uid=" + uid + "," + parent;
        ldif[1] = "objectClass: posixAccount";
        ldif[2] = "uid: " + uid;
        ldif[3] = "userPassword: " + password;
        System.arraycopy(more, 0, ldif, 4, more.length);
        server.add(ldif);
    }

    int port() {
        return server.getListenPort();
    }

    String uri() {
        return "ldap://127.0.0.1:" + port();
    }

    /** Stops listening and drops every connection, as a crashed server would. */
    void stop() {
        server.shutDown(true);
    }

    InMemoryDirectoryServer server() {
        return server;
    }

    @Override
    public void close() {
        server.shutDown(true);
    }

    static AuthRequest login(String user, String password) {
        return new AuthRequest("imap", user, password, "PLAIN", new InetSocketAddress("192.0.2.10", 40000),
                new InetSocketAddress("127.0.0.1", 143), false, "s-" + user.hashCode());
    }
}
