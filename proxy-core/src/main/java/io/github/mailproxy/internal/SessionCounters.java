package io.github.mailproxy.internal;

import io.github.mailproxy.SessionEvent.Outcome;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The per-protocol counts of {@link io.github.mailproxy.ProxyStats}: sessions open now, login
 * attempts decided and sessions closed, by outcome. Thread-safe: every loop counts its own sessions.
 */
final class SessionCounters {

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final ConcurrentHashMap<String, PerProtocol> byProtocol = new ConcurrentHashMap<>();

    private PerProtocol of(String protocol) {
        return byProtocol.computeIfAbsent(protocol, p -> new PerProtocol());
    }

    void opened(String protocol) {
        of(protocol).open.incrementAndGet();
    }

    void loginDecided(String protocol, Outcome outcome) {
        of(protocol).logins[outcome.ordinal()].increment();
    }

    void closed(String protocol, Outcome outcome) {
        PerProtocol p = of(protocol);
        p.closed[outcome.ordinal()].increment();
        p.open.decrementAndGet();
    }

    /** @return decided logins by protocol and outcome, outcomes never counted left out */
    Map<String, Map<Outcome, Long>> logins() {
        Map<String, Map<Outcome, Long>> out = new HashMap<>();
        byProtocol.forEach((protocol, p) -> out.put(protocol, sums(p.logins)));
        return out;
    }

    /** @return closed sessions by protocol and outcome, outcomes never counted left out */
    Map<String, Map<Outcome, Long>> closed() {
        Map<String, Map<Outcome, Long>> out = new HashMap<>();
        byProtocol.forEach((protocol, p) -> out.put(protocol, sums(p.closed)));
        return out;
    }

    /** @return open sessions by protocol */
    Map<String, Integer> open() {
        Map<String, Integer> out = new HashMap<>();
        byProtocol.forEach((protocol, p) -> out.put(protocol, p.open.get()));
        return out;
    }

    private static Map<Outcome, Long> sums(LongAdder[] adders) {
        Map<Outcome, Long> out = new java.util.EnumMap<>(Outcome.class);
        for (Outcome o : OUTCOMES) {
            long n = adders[o.ordinal()].sum();
            if (n != 0) {
                out.put(o, n);
            }
        }
        return out;
    }

    private static final class PerProtocol {
        final AtomicInteger open = new AtomicInteger();
        final LongAdder[] logins = adders();
        final LongAdder[] closed = adders();

        private static LongAdder[] adders() {
            LongAdder[] a = new LongAdder[OUTCOMES.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = new LongAdder();
            }
            return a;
        }
    }
}
