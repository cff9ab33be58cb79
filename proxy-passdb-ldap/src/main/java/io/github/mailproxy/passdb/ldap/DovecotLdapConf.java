package io.github.mailproxy.passdb.ldap;

import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import io.github.mailproxy.DovecotSettings;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.TrustManager;

/**
 * Reads Dovecot's {@code dovecot-ldap.conf.ext} into an {@link LdapPassDb.Builder}. Every setting of
 * Dovecot 2.3 is known; one this PassDb cannot honour ({@code sasl_bind = yes}, client certificates,
 * {@code tls_ca_cert_dir}, {@code tls_cipher_suite}, {@code ldaprc_path}) is refused by name rather than
 * silently dropped, and the userdb's and tuning settings ({@code user_attrs}, {@code user_filter},
 * {@code iterate_attrs}, {@code iterate_filter}, {@code debug_level}, {@code blocking},
 * {@code userdb_warning_disable}) are read and ignored, since a proxy has no userdb. An unknown setting is
 * refused with its line number, never its text ({@code dnpass} is a secret).
 */
final class DovecotLdapConf {

    private static final String FILE = "dovecot-ldap.conf.ext";
    private static final Set<String> KEYS = Set.of("hosts", "uris", "dn", "dnpass", "auth_bind", "auth_bind_userdn",
            "tls", "sasl_bind", "sasl_mech", "sasl_realm", "sasl_authz_id", "tls_ca_cert_file", "tls_ca_cert_dir",
            "tls_cert_file", "tls_key_file", "tls_cipher_suite", "tls_require_cert", "deref", "scope", "base",
            "ldap_version", "debug_level", "ldaprc_path", "user_attrs", "user_filter", "pass_attrs", "pass_filter",
            "iterate_attrs", "iterate_filter", "default_pass_scheme", "userdb_warning_disable", "blocking");
    private static final Set<String> UNSUPPORTED = Set.of("tls_ca_cert_dir", "tls_cert_file", "tls_key_file",
            "tls_cipher_suite", "ldaprc_path");

    private DovecotLdapConf() {
    }

    /**
     * @param file the file (UTF-8)
     * @return a builder holding its settings
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the file and the setting at fault
     */
    static LdapPassDb.Builder parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param text the file's text
     * @return a builder holding its settings
     * @throws IllegalArgumentException naming the setting at fault
     */
    static LdapPassDb.Builder parse(String text) {
        Map<String, String> s = DovecotSettings.parse(text, FILE, KEYS);
        for (String key : UNSUPPORTED) {
            if (!s.getOrDefault(key, "").isEmpty()) {
                throw new IllegalArgumentException(FILE + " " + key + ": not supported");
            }
        }
        LdapPassDb.Builder b = LdapPassDb.builder();
        try {
            if (flag(s, "sasl_bind")) {
                throw new IllegalArgumentException("sasl_bind = yes: not supported (simple binds with dn and dnpass are)");
            }
            String uris = s.getOrDefault("uris", "");
            String hosts = s.getOrDefault("hosts", "");
            // As in Dovecot, uris wins over hosts; both are lists separated by spaces (or commas).
            if (!uris.isBlank()) {
                b.uris(uris.strip().split("[\\s,]+"));
            } else if (!hosts.isBlank()) {
                b.hosts(hosts.strip().split("[\\s,]+"));
            } else {
                throw new IllegalArgumentException("uris or hosts: missing");
            }
            if (s.containsKey("dn") && !s.get("dn").isEmpty()) {
                b.bindDn(s.get("dn"), s.getOrDefault("dnpass", ""));
            }
            b.base(require(s, "base"));
            if (s.containsKey("scope")) {
                b.scope(choice(s, "scope", LdapPassDb.Scope.class));
            }
            if (s.containsKey("deref")) {
                b.deref(choice(s, "deref", LdapPassDb.Deref.class));
            }
            if (s.containsKey("pass_filter")) {
                b.passFilter(require(s, "pass_filter"));
            }
            if (s.containsKey("pass_attrs")) {
                b.passAttrs(s.get("pass_attrs"));
            }
            boolean authBind = flag(s, "auth_bind");
            b.authBind(authBind);
            // Dovecot reads auth_bind_userdn only with auth_bind = yes.
            if (authBind && !s.getOrDefault("auth_bind_userdn", "").isEmpty()) {
                b.authBindUserDn(s.get("auth_bind_userdn"));
            }
            String version = s.getOrDefault("ldap_version", "3");
            if (!version.equals("2") && !version.equals("3")) {
                throw new IllegalArgumentException("ldap_version: 2 or 3 (LDAPv3 is spoken either way), not '"
                        + version + "'");
            }
            b.startTls(flag(s, "tls"));
            tls(s, b);
            if (s.containsKey("default_pass_scheme")) {
                b.defaultPassScheme(require(s, "default_pass_scheme"));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith(FILE) ? e.getMessage()
                    : FILE + " " + e.getMessage(), e);
        }
        return b;
    }

    private static void tls(Map<String, String> s, LdapPassDb.Builder b) {
        String require = s.getOrDefault("tls_require_cert", "demand").toLowerCase(Locale.ROOT);
        String caFile = s.getOrDefault("tls_ca_cert_file", "");
        TrustManager trust;
        boolean verify;
        switch (require) {
            case "never", "allow" -> {
                trust = new TrustAllTrustManager();
                verify = false;
            }
            case "try", "demand", "hard" -> {
                verify = true;
                if (caFile.isEmpty()) {
                    return;  // the JVM's trusted CAs, as the system's would be for Dovecot
                }
                try {
                    trust = new PEMFileTrustManager(new File(caFile));
                } catch (java.security.KeyStoreException e) {
                    throw new IllegalArgumentException("tls_ca_cert_file: cannot be read as PEM certificates: "
                            + e.getMessage(), e);
                }
            }
            default -> throw new IllegalArgumentException("tls_require_cert: one of never, allow, try, demand, hard,"
                    + " not '" + require + "'");
        }
        try {
            b.sslContext(new SSLUtil(trust).createSSLContext(), verify);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("tls_ca_cert_file: no TLS context: " + e.getMessage(), e);
        }
    }

    private static boolean flag(Map<String, String> s, String key) {
        String value = s.getOrDefault(key, "no").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "yes", "y", "true", "1" -> true;
            case "no", "n", "false", "0", "" -> false;
            default -> throw new IllegalArgumentException(key + ": yes or no, not '" + value + "'");
        };
    }

    private static <E extends Enum<E>> E choice(Map<String, String> s, String key, Class<E> type) {
        String value = s.get(key).strip();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException(key + ": not one of " + java.util.Arrays.toString(type.getEnumConstants())
                .toLowerCase(Locale.ROOT) + ": '" + value + "'");
    }

    private static String require(Map<String, String> s, String key) {
        String value = s.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + ": missing");
        }
        return value;
    }
}
