package io.github.mailproxy.internal;

import io.github.mailproxy.SessionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Every live session of a server, by id: what {@link io.github.mailproxy.ProxyServer#sessions()} lists
 * and the kicks search. Loops add and remove their own sessions; any thread may list or kick. One
 * entry costs a map node and a reference, so that 100,000 sessions cost a few megabytes (measured by
 * {@code SessionRegistryBench} in proxy-bench).
 *
 * @param <E> the entries: the engine's sessions, or stand-ins in a benchmark
 */
final class SessionRegistry<E extends SessionRegistry.Entry> {

    /** A registered session. */
    interface Entry {
        /** @return its id, unique in the server */
        String id();

        /** @return a snapshot; callable from any thread */
        SessionInfo info();

        /**
         * Ends the session on its own loop, soon; callable from any thread.
         *
         * @param reason told to the client where its protocol allows it
         */
        void kick(String reason);
    }

    private final ConcurrentHashMap<String, E> sessions = new ConcurrentHashMap<>();

    void add(E session) {
        sessions.put(session.id(), session);
    }

    void remove(E session) {
        sessions.remove(session.id(), session);
    }

    /** @return how many sessions are registered now */
    int size() {
        return sessions.size();
    }

    /**
     * @return a snapshot of every session: each one consistent in itself, the list as the map's
     *         weakly consistent iteration saw it (a session opening or closing meanwhile may be missed)
     */
    List<SessionInfo> snapshot() {
        List<SessionInfo> out = new ArrayList<>(sessions.size() + 16);
        for (E e : sessions.values()) {
            out.add(e.info());
        }
        return out;
    }

    /**
     * Kicks every session whose snapshot matches, each on its own loop.
     *
     * @param which  the sessions to kick
     * @param reason told to the clients where the protocol allows it
     * @return how many matched (each is kicked unless it closes on its own first)
     */
    int kick(Predicate<SessionInfo> which, String reason) {
        int n = 0;
        for (E e : sessions.values()) {
            if (which.test(e.info())) {
                e.kick(reason);
                n++;
            }
        }
        return n;
    }

    /**
     * @param id     a session id
     * @param reason told to the client where the protocol allows it
     * @return whether a session with that id was live and is kicked
     */
    boolean kick(String id, String reason) {
        E e = sessions.get(id);
        if (e == null) {
            return false;
        }
        e.kick(reason);
        return true;
    }
}
