package io.github.mailproxy.examples;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.pop3.Pop3Protocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A PassDb written in Java that routes without a database: users of a listed domain go to that
 * domain's backend, everyone else to one of a list of backends chosen by a stable hash of the user
 * name. The backends check the passwords ({@code nopassword}: the proxy forwards them).
 *
 * <pre>{@code
 * PassDb passDb = RoutingPassDb.builder()
 *         .domain("example.org", Backend.of("mail1", "10.0.0.1"))
 *         .hashed(List.of(Backend.of("store-a", "10.0.1.1"), Backend.of("store-b", "10.0.1.2")))
 *         .build();
 * ProxyServer.builder().passDb(passDb)...
 * }</pre>
 *
 * <p><b>The hash.</b> Rendezvous (highest random weight) hashing: each backend gets the score
 * SHA-256({@code user + "\n" + backend name}), read as an unsigned 64-bit number, and the highest
 * score wins. SHA-256 is specified byte for byte, so the choice is the same in every JVM, on every
 * machine and after every restart — unlike {@code Object.hashCode()} or a seeded hash. Rendezvous
 * hashing moves only the users of a backend that is removed (and about 1/n of all users to one that
 * is added), where {@code hash % n} would move almost everyone. The backend's <em>name</em> is
 * hashed, not its address, so a store can change address without its users moving. The user name is
 * lower-cased first, so that {@code Alice} and {@code alice} land together.
 */
public final class RoutingPassDb implements PassDb {

    /**
     * A backend mail server.
     *
     * @param name     a stable name, the input of the hash
     * @param host     its host name or address
     * @param imapPort its IMAP port
     * @param pop3Port its POP3 port
     */
    public record Backend(String name, String host, int imapPort, int pop3Port) {

        /** Checks the components. */
        public Backend {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (imapPort < 1 || imapPort > 65535 || pop3Port < 1 || pop3Port > 65535) {
                throw new IllegalArgumentException("ports must be from 1 to 65535: " + imapPort + ", " + pop3Port);
            }
        }

        /**
         * @param name a stable name
         * @param host its host
         * @return a backend on the standard ports 143 and 110
         */
        public static Backend of(String name, String host) {
            return new Backend(name, host, 143, 110);
        }
    }

    private final Map<String, Backend> byDomain;
    private final List<Backend> hashed;

    private RoutingPassDb(Map<String, Backend> byDomain, List<Backend> hashed) {
        this.byDomain = Map.copyOf(byDomain);
        this.hashed = List.copyOf(hashed);
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where a user's mailbox is.
     *
     * @param user the user name as the client gave it
     * @return its backend: by domain if the domain is listed, else by hash
     */
    public Backend route(String user) {
        String normal = user.toLowerCase(Locale.ROOT);
        int at = normal.lastIndexOf('@');
        Backend byName = at < 0 ? null : byDomain.get(normal.substring(at + 1));
        return byName != null ? byName : highestScore(normal);
    }

    private Backend highestScore(String user) {
        Backend best = null;
        long bestScore = 0;
        for (Backend b : hashed) {
            long score = score(user, b.name());
            if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
                best = b;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * @param user    a lower-cased user name
     * @param backend a backend name
     * @return the first eight bytes of SHA-256(user, newline, backend), big-endian
     */
    static long score(String user, String backend) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha256.digest((user + "\n" + backend).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Answers at once, on the calling thread: routing is a little arithmetic, no I/O. */
    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        Backend backend = route(request.user());
        if (backend == null) {
            return CompletableFuture.completedFuture(PassDbResult.notFound());
        }
        int port = Pop3Protocol.NAME.equals(request.protocol()) ? backend.pop3Port() : backend.imapPort();
        return CompletableFuture.completedFuture(PassDbResult.found(Map.of(
                PassDbResult.PROXY, "y",
                PassDbResult.HOST, backend.host(),
                PassDbResult.PORT, Integer.toString(port),
                PassDbResult.NOPASSWORD, "y")));
    }

    /** @return true: routing is a little arithmetic, no I/O, so the proxy may call it on an event loop */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public String toString() {
        return "RoutingPassDb[domains=" + byDomain.keySet() + ", hashed=" + hashed.stream().map(Backend::name).toList()
                + "]";
    }

    /** Configures a {@link RoutingPassDb}. */
    public static final class Builder {
        private final Map<String, Backend> byDomain = new LinkedHashMap<>();
        private List<Backend> hashed = List.of();

        private Builder() {
        }

        /**
         * Sends the users of a domain ({@code user@domain}) to one backend.
         *
         * @param domain  the domain, any case
         * @param backend its backend
         * @return this builder
         */
        public Builder domain(String domain, Backend backend) {
            String key = domain.toLowerCase(Locale.ROOT);
            if (byDomain.putIfAbsent(key, Objects.requireNonNull(backend, "backend")) != null) {
                throw new IllegalStateException("domain " + domain + " was already set");
            }
            return this;
        }

        /**
         * Spreads every other user over these backends by a stable hash.
         *
         * @param backends the backends; their names must differ
         * @return this builder
         */
        public Builder hashed(List<Backend> backends) {
            if (backends.stream().map(Backend::name).distinct().count() != backends.size()) {
                throw new IllegalArgumentException("hashed: backend names must differ");
            }
            this.hashed = List.copyOf(backends);
            return this;
        }

        /**
         * @return the PassDb
         * @throws IllegalStateException if neither a domain nor hashed backends were given
         */
        public RoutingPassDb build() {
            if (byDomain.isEmpty() && hashed.isEmpty()) {
                throw new IllegalStateException("RoutingPassDb: give at least one domain or hashed backend");
            }
            return new RoutingPassDb(byDomain, hashed);
        }
    }
}
