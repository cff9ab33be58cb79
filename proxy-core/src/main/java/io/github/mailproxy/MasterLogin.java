package io.github.mailproxy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link AuthStrategy#masterUser(MasterLogin)} logs in to backends: as which master user, in
 * which style, and which client mechanisms it offers. {@link #toString()} hides the password.
 *
 * <pre>{@code
 * AuthStrategy.masterUser(MasterLogin.of("proxy", "secret"))                   // LOGIN user*proxy secret
 * AuthStrategy.masterUser(MasterLogin.of("proxy", "secret").style(Style.AUTHZID)) // SASL PLAIN authzid
 * }</pre>
 *
 * @param user       the master user, or {@code null} when every PassDb result carries {@code master}
 * @param password   the master password, or {@code null} when every PassDb result carries {@code pass}
 * @param style      how the backend is told whose mailbox to open
 * @param separator  joins user and master in {@link Style#SEPARATOR} style (Dovecot's
 *                   {@code auth_master_user_separator}); default {@code *}
 * @param mechanisms client mechanisms to offer, upper case: PLAIN and LOGIN always work;
 *                   {@code CRAM-MD5} needs plaintext or CRAM-MD5 stored passwords, {@code SCRAM-SHA-1},
 *                   {@code SCRAM-SHA-256} and POP3 {@code APOP} need plaintext ones — offer them only
 *                   when the PassDb stores such values
 * @param passwordScheme checks client passwords against the PassDb's {@code password} field
 */
public record MasterLogin(String user, String password, Style style, String separator, Set<String> mechanisms,
                          PasswordScheme passwordScheme) {

    /** The PassDb field that overrides {@link #style()} per user: {@code master_style=authzid|separator}. */
    public static final String STYLE_FIELD = "master_style";

    /** Mechanisms this strategy knows how to serve. */
    public static final Set<String> KNOWN_MECHANISMS =
            Set.of("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "APOP");

    /** How the backend learns which user to serve. */
    public enum Style {
        /** IMAP LOGIN / POP3 USER with {@code destuser<separator>master} and the master password. */
        SEPARATOR,
        /** SASL PLAIN with authorization id {@code destuser} and authentication id {@code master} (RFC 4616). */
        AUTHZID
    }

    /** Checks and copies the components. */
    public MasterLogin {
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(passwordScheme, "passwordScheme");
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("auth.master.separator: must not be empty");
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("auth.master.user and auth.master.password: give both or neither");
        }
        Set<String> upper = new LinkedHashSet<>();
        for (String m : mechanisms) {
            String name = m.toUpperCase(Locale.ROOT);
            if (!KNOWN_MECHANISMS.contains(name)) {
                throw new IllegalArgumentException("mechanisms: unknown mechanism " + m);
            }
            upper.add(name);
        }
        mechanisms = java.util.Collections.unmodifiableSet(upper);
    }

    /**
     * Master credentials of the proxy itself, separator style, mechanisms PLAIN and LOGIN,
     * Dovecot's password schemes with default PLAIN.
     *
     * @param user     the master user
     * @param password its password
     * @return the settings
     */
    public static MasterLogin of(String user, String password) {
        return new MasterLogin(Objects.requireNonNull(user, "user"), Objects.requireNonNull(password, "password"),
                Style.SEPARATOR, "*", Set.of("PLAIN", "LOGIN"), PasswordScheme.dovecot());
    }

    /** @return settings that take the master user and password from each PassDb result ({@code master}, {@code pass}) */
    public static MasterLogin fromPassDb() {
        return new MasterLogin(null, null, Style.SEPARATOR, "*", Set.of("PLAIN", "LOGIN"), PasswordScheme.dovecot());
    }

    /**
     * @param style the login style
     * @return a copy with that style
     */
    public MasterLogin style(Style style) {
        return new MasterLogin(user, password, style, separator, mechanisms, passwordScheme);
    }

    /**
     * @param separator the master user separator
     * @return a copy with that separator
     */
    public MasterLogin separator(String separator) {
        return new MasterLogin(user, password, style, separator, mechanisms, passwordScheme);
    }

    /**
     * @param mechanisms the client mechanisms to offer, in order of preference
     * @return a copy offering those
     */
    public MasterLogin mechanisms(String... mechanisms) {
        return new MasterLogin(user, password, style, separator, new LinkedHashSet<>(List.of(mechanisms)), passwordScheme);
    }

    /**
     * @param passwordScheme checks client passwords
     * @return a copy using it
     */
    public MasterLogin passwordScheme(PasswordScheme passwordScheme) {
        return new MasterLogin(user, password, style, separator, mechanisms, passwordScheme);
    }

    @Override
    public String toString() {
        return "MasterLogin[user=" + user + ", password=" + (password == null ? "none" : "***") + ", style=" + style
                + ", separator=" + separator + ", mechanisms=" + mechanisms + "]";
    }
}
