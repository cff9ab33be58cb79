package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.AuthRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Dovecot's auth penalty, with a clock the test moves. The socket-level behaviour is in proxy-imap's ImapAuthPenaltyTest. */
class AuthPenaltyTest {

    private final AtomicLong now = new AtomicLong();
    private final AuthPenalty penalty = new AuthPenalty(Duration.ofSeconds(2), now::get);

    @Test
    void eachNewFailureDoublesTheDelayUpToFifteenSeconds() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        assertThat(seconds(a, "p1", "p2", "p3", "p4", "p5", "p6")).containsExactly(2L, 4L, 8L, 15L, 15L, 15L);
    }

    @Test
    void failingAgainWithTheSameCredentialsDoesNotRaiseTheDelay() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        assertThat(seconds(a, "old", "old", "old", "new", "old", "new", "third"))
                .containsExactly(2L, 2L, 2L, 4L, 4L, 4L, 8L);
    }

    @Test
    void unknownCredentialsAlwaysRaiseTheDelay() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        assertThat(penalty.failed(a, AuthPenalty.UNKNOWN)).hasSeconds(2);
        assertThat(penalty.failed(a, AuthPenalty.UNKNOWN)).hasSeconds(4);
    }

    @Test
    void thePenaltyIsForgottenAnHourAfterTheLastFailure() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        assertThat(seconds(a, "p1", "p2", "p3")).containsExactly(2L, 4L, 8L);
        now.addAndGet(Duration.ofMinutes(59).toNanos());
        assertThat(seconds(a, "p4")).as("59 minutes later").containsExactly(15L);
        now.addAndGet(Duration.ofMinutes(59).toNanos());
        assertThat(seconds(a, "p5")).as("the hour restarts at each failure").containsExactly(15L);
        now.addAndGet(Duration.ofMinutes(61).toNanos());
        assertThat(seconds(a, "p6")).as("61 minutes after the last failure").containsExactly(2L);
    }

    @Test
    void aSuccessfulLoginClearsThePenaltyAsInDovecot() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        assertThat(seconds(a, "p1", "p2")).containsExactly(2L, 4L);
        penalty.succeeded(a);
        assertThat(seconds(a, "p3")).containsExactly(2L);
    }

    @Test
    void anIpv6Slash64IsOneAddressAndOtherAddressesAreApart() throws UnknownHostException {
        assertThat(seconds(InetAddress.getByName("2001:db8:1:2::1"), "p1")).containsExactly(2L);
        assertThat(seconds(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"), "p2"))
                .as("same /64").containsExactly(4L);
        assertThat(seconds(InetAddress.getByName("2001:db8:1:3::1"), "p3")).as("next /64").containsExactly(2L);
        assertThat(seconds(InetAddress.getByName("203.0.113.10"), "p4")).containsExactly(2L);
        assertThat(seconds(InetAddress.getByName("203.0.113.11"), "p5")).as("IPv4 is per address").containsExactly(2L);
    }

    @Test
    void theStepsScaleWithTheBaseDelayAndZeroMeansNone() throws UnknownHostException {
        InetAddress a = InetAddress.getByName("203.0.113.9");
        AuthPenalty small = new AuthPenalty(Duration.ofMillis(200), now::get);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 5).mapToObj(i -> small.failed(a, AuthPenalty.UNKNOWN).toMillis()))
                .containsExactly(200L, 400L, 800L, 1500L, 1500L);
        AuthPenalty large = new AuthPenalty(Duration.ofSeconds(20), now::get);
        assertThat(large.failed(a, AuthPenalty.UNKNOWN)).hasSeconds(20);
        assertThat(large.failed(a, AuthPenalty.UNKNOWN)).as("never beyond the base when it exceeds 15 s").hasSeconds(20);
        AuthPenalty none = new AuthPenalty(Duration.ZERO, now::get);
        assertThat(none.failed(a, AuthPenalty.UNKNOWN)).isZero();
        assertThat(none.failed(a, AuthPenalty.UNKNOWN)).isZero();
    }

    @Test
    void theCredentialsHashDependsOnUserAndPasswordAndIsNeverUnknown() {
        long ab = penalty.credentials(request("ab", "c"));
        assertThat(ab).isNotEqualTo(penalty.credentials(request("a", "bc")));
        assertThat(ab).isEqualTo(penalty.credentials(request("ab", "c")));
        assertThat(ab).isNotEqualTo(AuthPenalty.UNKNOWN);
        assertThat(penalty.credentials(request("ab", null))).isEqualTo(AuthPenalty.UNKNOWN);
        assertThat(new AuthPenalty(Duration.ofSeconds(2), now::get).credentials(request("ab", "c")))
                .as("keyed per server").isNotEqualTo(ab);
    }

    private java.util.List<Long> seconds(InetAddress address, String... passwords) {
        java.util.List<Long> delays = new java.util.ArrayList<>();
        for (String p : passwords) {
            delays.add(penalty.failed(address, penalty.credentials(request("bob", p))).toSeconds());
        }
        return delays;
    }

    private static AuthRequest request(String user, String password) {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 1);
        return new AuthRequest("imap", user, password, password == null ? "CRAM-MD5" : "PLAIN", any, any, false, "s");
    }
}
