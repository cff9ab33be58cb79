package io.github.mailproxy.examples.launcher;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthStrategy;
import io.github.mailproxy.MasterLogin;
import java.time.Duration;
import java.util.List;

/** Reads the {@code auth} keys. */
final class AuthConfig {

    private static final ConfigKey<?>[] MASTER_KEYS = {ConfigKey.AUTH_MASTER_USER, ConfigKey.AUTH_MASTER_PASSWORD,
        ConfigKey.AUTH_MASTER_STYLE, ConfigKey.AUTH_MASTER_SEPARATOR, ConfigKey.AUTH_MECHANISMS};

    private AuthConfig() {
    }

    static AuthStrategy strategy(ConfigValues v) {
        String kind = v.get(ConfigKey.AUTH);
        if (kind == null || kind.equals("forward")) {
            v.onlyWith("auth = master", MASTER_KEYS);
            return AuthStrategy.passwordForwarding();
        }
        String user = v.get(ConfigKey.AUTH_MASTER_USER);
        String password = v.get(ConfigKey.AUTH_MASTER_PASSWORD);
        if (user != null && password == null) {
            throw new ConfigException(ConfigKey.AUTH_MASTER_PASSWORD.key() + ": missing; needed with auth.master.user");
        }
        if (user == null && password != null) {
            throw new ConfigException(ConfigKey.AUTH_MASTER_USER.key() + ": missing; needed with auth.master.password");
        }
        MasterLogin login = user == null ? MasterLogin.fromPassDb() : MasterLogin.of(user, password);
        if ("authzid".equals(v.get(ConfigKey.AUTH_MASTER_STYLE))) {
            login = login.style(MasterLogin.Style.AUTHZID);
        }
        String separator = v.get(ConfigKey.AUTH_MASTER_SEPARATOR);
        if (separator != null) {
            login = login.separator(separator);
        }
        List<String> mechanisms = v.get(ConfigKey.AUTH_MECHANISMS);
        if (mechanisms != null) {
            try {
                login = login.mechanisms(mechanisms.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ConfigKey.AUTH_MECHANISMS.key() + ": " + e.getMessage()
                        + "; known are " + String.join(" ", MasterLogin.KNOWN_MECHANISMS), e);
            }
        }
        return AuthStrategy.masterUser(login);
    }

    static AuthCacheSpec cache(ConfigValues v) {
        Integer size = v.get(ConfigKey.AUTH_CACHE_SIZE);
        Duration ttl = v.get(ConfigKey.AUTH_CACHE_TTL);
        if (size == null) {
            v.onlyWith("auth.cache.size", ConfigKey.AUTH_CACHE_TTL);
            return null;
        }
        AuthCacheSpec spec = AuthCacheSpec.maximumSize(size);
        // Dovecot's auth_cache_ttl covers found and not-found users alike unless told otherwise
        return ttl == null ? spec : spec.expireAfterWrite(ttl).negativeExpireAfterWrite(ttl);
    }
}
