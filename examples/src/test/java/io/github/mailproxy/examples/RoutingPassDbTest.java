package io.github.mailproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDbResult;
import io.github.mailproxy.examples.RoutingPassDb.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RoutingPassDbTest {

    private static final Backend MAIL1 = Backend.of("mail1", "10.0.0.1");
    private static final List<Backend> STORES = List.of(
            Backend.of("store-a", "10.0.1.1"), Backend.of("store-b", "10.0.1.2"), Backend.of("store-c", "10.0.1.3"));

    private static final RoutingPassDb PASSDB = RoutingPassDb.builder().domain("Example.ORG", MAIL1).hashed(STORES).build();

    private static AuthRequest login(String protocol, String user) {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 40000);
        return new AuthRequest(protocol, user, "x", "PLAIN", any, any, false, "s1");
    }

    @Test
    void usersOfAListedDomainGoToItsBackendWhateverTheCase() {
        assertThat(PASSDB.route("alice@example.org")).isEqualTo(MAIL1);
        assertThat(PASSDB.route("Bob@EXAMPLE.org")).isEqualTo(MAIL1);
    }

    @Test
    void otherUsersGoToAHashedBackendThatIgnoresCase() {
        assertThat(STORES).contains(PASSDB.route("carol@elsewhere.net"));
        assertThat(PASSDB.route("Carol@Elsewhere.NET")).isEqualTo(PASSDB.route("carol@elsewhere.net"));
    }

    /**
     * Fixed expectations, computed outside Java (Python's hashlib): they hold in any JVM, on any
     * machine and after any restart. A hash that changed between runs (a seeded one, identity hash
     * codes) would fail here.
     */
    @Test
    void theHashIsStableAcrossJvms() {
        assertThat(RoutingPassDb.score("alice", "store-a")).isEqualTo(0x25e3d64ddf932d86L);
        assertThat(Map.of("alice", "store-b", "bob", "store-a", "carol", "store-a", "dave", "store-c",
                "erin", "store-b", "frank", "store-a"))
                .allSatisfy((user, store) -> assertThat(PASSDB.route(user).name()).as(user).isEqualTo(store));
    }

    @Test
    void usersSpreadOverAllBackends() {
        Map<String, Integer> counts = new HashMap<>();
        IntStream.range(0, 3000).forEach(i -> counts.merge(PASSDB.route("user" + i).name(), 1, Integer::sum));

        assertThat(counts).containsOnlyKeys("store-a", "store-b", "store-c");
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void removingABackendMovesOnlyItsOwnUsers() {
        RoutingPassDb fewer = RoutingPassDb.builder().hashed(STORES.subList(0, 2)).build();
        List<String> moved = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String user = "user" + i;
            Backend before = PASSDB.route(user);
            if (!before.name().equals("store-c") && !fewer.route(user).equals(before)) {
                moved.add(user);
            }
        }
        assertThat(moved).isEmpty();
    }

    @Test
    void lookupAnswersProxyWithThePortOfTheProtocol() {
        Backend custom = new Backend("local", "127.0.0.1", 3143, 3110);
        RoutingPassDb passDb = RoutingPassDb.builder().domain("example.org", custom).build();

        PassDbResult imap = passDb.lookup(login("imap", "a@example.org")).toCompletableFuture().join();
        PassDbResult pop3 = passDb.lookup(login("pop3", "a@example.org")).toCompletableFuture().join();
        PassDbResult other = passDb.lookup(login("imap", "a@other.org")).toCompletableFuture().join();

        assertThat(imap.fields()).containsEntry("host", "127.0.0.1").containsEntry("port", "3143")
                .containsEntry("proxy", "y").containsEntry("nopassword", "y");
        assertThat(pop3.field("port")).contains("3110");
        assertThat(other.status()).isEqualTo(PassDbResult.Status.NOT_FOUND);
    }

    @Test
    void duplicateNamesAndEmptyBuildersAreRefused() {
        assertThatThrownBy(() -> RoutingPassDb.builder().hashed(List.of(MAIL1, Backend.of("mail1", "10.9.9.9"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoutingPassDb.builder().build()).isInstanceOf(IllegalStateException.class);
    }
}
