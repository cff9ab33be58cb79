package io.github.mailproxy;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a {@link PassDb} says of a user: found (with fields), not found, or a temporary failure.
 *
 * <p>Fields carry Dovecot's names and are looked up case-insensitively: {@code password},
 * {@code nopassword}, {@code proxy}, {@code proxy_maybe}, {@code host}, {@code hostip}, {@code port},
 * {@code destuser}, {@code master}, {@code pass}, {@code nologin}, {@code reason}, {@code starttls},
 * {@code ssl}, {@code proxy_timeout}, {@code proxy_not_trusted}, {@code source_ip}, and mailproxy's own
 * {@code haproxy} (see {@link DovecotRouting}). A {@code null} value means the field is absent (SQL NULL); an
 * empty value means present without value, which counts as true for a boolean field.
 * {@link #toString()} masks {@code password} and {@code pass}.
 */
public final class PassDbResult {

    /** The outcome of a lookup. */
    public enum Status {
        /** The user exists; see the fields. */
        FOUND,
        /** No such user. */
        NOT_FOUND,
        /** The lookup could not be done now (database down, timeout); the client may retry. */
        TEMPORARY_FAILURE
    }

    /** Field names, as Dovecot spells them. */
    public static final String PASSWORD = "password";
    /** Field: accept any password (password forwarding). */
    public static final String NOPASSWORD = "nopassword";
    /** Field: proxy this user to {@link #HOST}. */
    public static final String PROXY = "proxy";
    /** Field: proxy unless the host is this proxy itself. */
    public static final String PROXY_MAYBE = "proxy_maybe";
    /** Field: the backend host (names or addresses, separated by spaces or commas for failover). */
    public static final String HOST = "host";
    /**
     * Field: the backend's IP address, connected to instead of resolving {@link #HOST}, which stays
     * the name for the TLS certificate check and logs.
     */
    public static final String HOSTIP = "hostip";
    /** Field: the backend port. */
    public static final String PORT = "port";
    /** Field: the user name to log in as at the backend. */
    public static final String DESTUSER = "destuser";
    /** Field: master user name for the backend login. */
    public static final String MASTER = "master";
    /** Field: master password for the backend login. */
    public static final String PASS = "pass";
    /** Field: the user may not log in here (login referral when {@link #HOST} is set). */
    public static final String NOLOGIN = "nologin";
    /** Field: text to show the client with a refusal or referral. */
    public static final String REASON = "reason";
    /** Field: use STARTTLS to the backend. */
    public static final String STARTTLS = "starttls";
    /** Field: use TLS to the backend. */
    public static final String SSL = "ssl";
    /** Field: backend connect and login timeout in seconds. */
    public static final String PROXY_TIMEOUT = "proxy_timeout";
    /**
     * Field: do not tell this user's backend the client's address (no IMAP {@code ID}
     * {@code x-originating-ip}, no POP3 {@code XCLIENT}), for a backend that does not trust the proxy.
     */
    public static final String PROXY_NOT_TRUSTED = "proxy_not_trusted";
    /** Field: the local IP address the backend connection comes from (Dovecot's {@code source_ip}). */
    public static final String SOURCE_IP = "source_ip";
    /**
     * Field (mailproxy's, not Dovecot's): {@code yes} starts this user's backend connection with a PROXY
     * protocol v2 header instead of IMAP {@code ID} / POP3 {@code XCLIENT}, for a backend listening with
     * Dovecot's {@code haproxy = yes}; {@code no} never does; absent, the server's setting applies.
     */
    public static final String HAPROXY = "haproxy";

    private static final Set<String> SECRET_FIELDS = Set.of(PASSWORD, PASS);
    private static final PassDbResult NOT_FOUND_RESULT = new PassDbResult(Status.NOT_FOUND, Map.of(), null);

    private final Status status;
    private final Map<String, String> fields;
    private final String failureReason;

    private PassDbResult(Status status, Map<String, String> fields, String failureReason) {
        this.status = status;
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        fields.forEach((k, v) -> {
            if (v != null) {
                copy.put(k.toLowerCase(Locale.ROOT), v);
            }
        });
        this.fields = Collections.unmodifiableMap(copy);
        this.failureReason = failureReason;
    }

    /**
     * A found user with the given fields; entries with a {@code null} value are dropped as absent.
     *
     * @param fields field name to value; names are case-insensitive
     * @return the result
     */
    public static PassDbResult found(Map<String, String> fields) {
        Objects.requireNonNull(fields, "fields");
        return new PassDbResult(Status.FOUND, fields, null);
    }

    /** @return the result for an unknown user */
    public static PassDbResult notFound() {
        return NOT_FOUND_RESULT;
    }

    /**
     * A lookup that failed for now; the client is told to retry later.
     *
     * @param reason why, for the log (never shown to the client)
     * @return the result
     */
    public static PassDbResult temporaryFailure(String reason) {
        return new PassDbResult(Status.TEMPORARY_FAILURE, Map.of(), Objects.requireNonNull(reason, "reason"));
    }

    /** @return the outcome */
    public Status status() {
        return status;
    }

    /** @return whether the user was found */
    public boolean isFound() {
        return status == Status.FOUND;
    }

    /** @return why a temporary failure happened, or {@code null} */
    public String failureReason() {
        return failureReason;
    }

    /** @return all fields, keyed case-insensitively; unmodifiable */
    public Map<String, String> fields() {
        return fields;
    }

    /**
     * @param name a field name, any case
     * @return the field's value; empty when absent (an empty string means present without value)
     */
    public Optional<String> field(String name) {
        return Optional.ofNullable(fields.get(name));
    }

    /**
     * A boolean field as Dovecot reads it: present without value, {@code Y}, {@code yes},
     * {@code 1} and {@code true} (any case) mean true.
     *
     * @param name a field name, any case
     * @return whether the field is present and true
     */
    public boolean flag(String name) {
        String value = fields.get(name);
        return value != null && isTrue(value);
    }

    /**
     * @param value a field value
     * @return whether Dovecot would read it as true
     */
    public static boolean isTrue(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return v.isEmpty() || v.equals("y") || v.equals("yes") || v.equals("1") || v.equals("true");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PassDbResult[").append(status);
        if (failureReason != null) {
            sb.append(", reason=").append(failureReason);
        }
        fields.forEach((k, v) -> sb.append(", ").append(k).append('=')
                .append(SECRET_FIELDS.contains(k) ? "***" : v));
        return sb.append(']').toString();
    }
}
