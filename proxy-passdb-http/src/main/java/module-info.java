/**
 * A PassDb over HTTP: {@link io.github.mailproxy.passdb.http.HttpPassDb} asks an nginx {@code auth_http}
 * server, on the JDK's {@link java.net.http.HttpClient}.
 */
module io.github.mailproxy.passdb.http {
    exports io.github.mailproxy.passdb.http;

    requires transitive io.github.mailproxy.core;
    requires transitive java.net.http;
}
