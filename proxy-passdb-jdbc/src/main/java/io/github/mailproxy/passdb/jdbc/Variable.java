package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb.CacheKeyPart;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The Dovecot variables a query may use, with their short and long names. */
enum Variable {
    /** The user name as the client gave it. */
    USER('u', "user", CacheKeyPart.USER, AuthRequest::user),
    /** The part of the user name before the first {@code @}; all of it when there is none. */
    USERNAME('n', "username", CacheKeyPart.USER, r -> {
        int at = r.user().indexOf('@');
        return at < 0 ? r.user() : r.user().substring(0, at);
    }),
    /** The part of the user name after the first {@code @}; empty when there is none. */
    DOMAIN('d', "domain", CacheKeyPart.USER, r -> {
        int at = r.user().indexOf('@');
        return at < 0 ? "" : r.user().substring(at + 1);
    }),
    /** The service: {@code imap} or {@code pop3}. */
    SERVICE('s', "service", CacheKeyPart.PROTOCOL, AuthRequest::protocol),
    /** The client's IP address. */
    REMOTE_IP('r', "rip", CacheKeyPart.CLIENT_ADDRESS, r -> ip(r.clientAddress())),
    /** The IP address the client connected to. */
    LOCAL_IP('l', "lip", CacheKeyPart.LOCAL_ADDRESS, r -> ip(r.localAddress())),
    /** The client's port. */
    REMOTE_PORT(Character.MIN_VALUE, "rport", CacheKeyPart.CLIENT_PORT, r -> Integer.toString(r.clientAddress().getPort())),
    /** The port the client connected to. */
    LOCAL_PORT(Character.MIN_VALUE, "lport", CacheKeyPart.LOCAL_PORT, r -> Integer.toString(r.localAddress().getPort())),
    /**
     * The server name the client asked for (TLS SNI, as a load balancer in front reports it); empty
     * when unknown.
     */
    LOCAL_NAME(Character.MIN_VALUE, "local_name", CacheKeyPart.SERVER_NAME, r -> r.serverName() == null ? "" : r.serverName());

    /** The letter of a variable with a long name only. */
    private static final char NO_LETTER = Character.MIN_VALUE;

    private final char letter;
    private final String longName;
    private final CacheKeyPart cacheKeyPart;
    private final Function<AuthRequest, String> value;

    Variable(char letter, String longName, CacheKeyPart cacheKeyPart, Function<AuthRequest, String> value) {
        this.letter = letter;
        this.longName = longName;
        this.cacheKeyPart = cacheKeyPart;
        this.value = value;
    }

    /** @return the request part the value comes from */
    CacheKeyPart cacheKeyPart() {
        return cacheKeyPart;
    }

    /**
     * @param request a login
     * @return this variable's value for it
     */
    String value(AuthRequest request) {
        return value.apply(request);
    }

    static Variable byLetter(char c) {
        for (Variable v : values()) {
            if (v.letter == c && c != NO_LETTER) {
                return v;
            }
        }
        return null;
    }

    static Variable byLongName(String name) {
        for (Variable v : values()) {
            if (v.longName.equals(name)) {
                return v;
            }
        }
        return null;
    }

    static String letters() {
        return Arrays.stream(values()).filter(v -> v.letter != NO_LETTER).map(v -> "%" + v.letter)
                .collect(Collectors.joining(" "));
    }

    static String longNames() {
        return Arrays.stream(values()).map(v -> "%{" + v.longName + "}").collect(Collectors.joining(" "));
    }

    private static String ip(InetSocketAddress address) {
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }
}
