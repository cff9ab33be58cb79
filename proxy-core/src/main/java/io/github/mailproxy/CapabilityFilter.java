package io.github.mailproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Controls which capabilities the proxy advertises to clients, before login (the proxy's own) and
 * after login (the backend's), for IMAP and POP3 alike. This replaces Dovecot's
 * {@code imap_capability} and the source change Dovecot v1 needed for POP3.
 *
 * <pre>{@code
 * CapabilityFilter.remove("COMPRESS=DEFLATE", "NOTIFY")
 * }</pre>
 */
@FunctionalInterface
public interface CapabilityFilter {

    /** When the capabilities are shown. */
    enum Phase {
        /** The proxy's own capabilities, before login (greeting, CAPABILITY, CAPA). */
        PRE_LOGIN,
        /** The backend's capabilities, passed to the client with the login reply. */
        POST_LOGIN
    }

    /**
     * Filters a capability list.
     *
     * @param phase        before or after login
     * @param protocol     {@code imap} or {@code pop3}
     * @param capabilities the capabilities as they would be advertised, in order
     * @return the capabilities to advertise; must not be {@code null}
     */
    List<String> filter(Phase phase, String protocol, List<String> capabilities);

    /** @return a filter that changes nothing */
    static CapabilityFilter identity() {
        return (phase, protocol, capabilities) -> capabilities;
    }

    /**
     * Removes capabilities in both phases and both protocols. A name matches case-insensitively; a
     * name without {@code =} also removes that capability's {@code NAME=value} forms, so
     * {@code remove("AUTH")} removes {@code AUTH=PLAIN} and {@code AUTH=LOGIN}.
     *
     * @param names capability names
     * @return the filter
     */
    static CapabilityFilter remove(String... names) {
        Set<String> removed = Stream.of(names)
                .map(n -> Objects.requireNonNull(n, "name").toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        return (phase, protocol, capabilities) -> {
            List<String> kept = new ArrayList<>(capabilities.size());
            for (String capability : capabilities) {
                String upper = capability.toUpperCase(Locale.ROOT);
                int eq = upper.indexOf('=');
                int space = upper.indexOf(' ');
                int cut = eq < 0 ? space : (space < 0 ? eq : Math.min(eq, space));
                String name = cut < 0 ? upper : upper.substring(0, cut);
                if (!removed.contains(upper) && !removed.contains(name)) {
                    kept.add(capability);
                }
            }
            return kept;
        };
    }

    /**
     * Applies this filter, then {@code next}.
     *
     * @param next the filter to apply second
     * @return the combined filter
     */
    default CapabilityFilter andThen(CapabilityFilter next) {
        Objects.requireNonNull(next, "next");
        return (phase, protocol, capabilities) ->
                next.filter(phase, protocol, filter(phase, protocol, capabilities));
    }
}
