package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PasswordScheme} over Dovecot's schemes; see there. Not API. */
public final class DovecotPasswordScheme implements PasswordScheme {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordScheme.class);
    /** A name only reaches the log if it looks like one: with a wrong default it may be part of a password. */
    private static final Pattern LOGGABLE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final Set<String> SUPPORTED = supported();

    private final String defaultScheme;

    private DovecotPasswordScheme(String defaultScheme) {
        this.defaultScheme = defaultScheme;
    }

    /**
     * @param defaultScheme see {@link PasswordScheme#dovecot(String)}
     * @return the checker
     */
    public static DovecotPasswordScheme create(String defaultScheme) {
        Objects.requireNonNull(defaultScheme, "defaultScheme");
        StoredValue probe = StoredValue.parse("", defaultScheme);
        if (probe.scheme() == null) {
            throw new IllegalArgumentException("default_pass_scheme: unknown scheme '" + defaultScheme
                    + "'; known: " + SUPPORTED);
        }
        Library library = probe.scheme().library();
        if (library != null && !library.isPresent()) {
            throw new IllegalArgumentException("default_pass_scheme: " + library.missingMessage(probe.scheme().name()));
        }
        return new DovecotPasswordScheme(defaultScheme.toUpperCase(Locale.ROOT));
    }

    /** @return see {@link PasswordScheme#supportedSchemes()} */
    public static Set<String> supportedSchemes() {
        return SUPPORTED;
    }

    @Override
    public String defaultScheme() {
        return defaultScheme;
    }

    @Override
    public Verdict verify(String password, String stored) {
        Objects.requireNonNull(password, "password");
        StoredValue parsed = parse(stored);
        if (parsed == null) {
            return Verdict.UNKNOWN_SCHEME;
        }
        byte[] raw = raw(parsed);
        if (raw == null) {
            return Verdict.MALFORMED;
        }
        try {
            Verdict verdict = parsed.scheme().verify(password.getBytes(StandardCharsets.UTF_8), raw);
            if (verdict == Verdict.MALFORMED) {
                logMalformed(parsed, "not a valid value of the scheme");
            }
            return verdict;
        } catch (MissingLibraryException e) {
            // Not the value's fault: the operator must add the jar. The client is told to retry later.
            LOG.warn("msg={} scheme={} library={}", io.github.mailproxy.internal.Text.logValue(e.getMessage()),
                    io.github.mailproxy.internal.Text.logValue(e.scheme()),
                    io.github.mailproxy.internal.Text.logValue(e.library().coordinates()));
            return Verdict.UNKNOWN_SCHEME;
        } catch (RuntimeException e) {
            // Library messages may quote the salt or hash, so only the exception's type is logged.
            logMalformed(parsed, "rejected by the hash library (" + e.getClass().getSimpleName() + ")");
            return Verdict.MALFORMED;
        }
    }

    @Override
    public Optional<String> schemeOf(String stored) {
        Scheme scheme = StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme).scheme();
        return scheme == null ? Optional.empty() : Optional.of(scheme.name());
    }

    @Override
    public boolean isExpensive(String stored) {
        Scheme scheme = StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme).scheme();
        return scheme != null && scheme.expensive();
    }

    @Override
    public boolean isPlaintext(String stored) {
        return StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme).scheme() instanceof PlainScheme;
    }

    @Override
    public Optional<String> plaintext(String stored) {
        StoredValue parsed = StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme);
        if (!(parsed.scheme() instanceof PlainScheme)) {
            return Optional.empty();
        }
        byte[] raw = raw(parsed);
        if (raw == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString());
        } catch (CharacterCodingException e) {
            logMalformed(parsed, "not UTF-8 text");
            return Optional.empty();
        }
    }

    @Override
    public boolean canVerifyCramMd5(String stored) {
        Scheme scheme = StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme).scheme();
        return scheme instanceof PlainScheme || scheme instanceof CramMd5Scheme;
    }

    @Override
    public Verdict verifyCramMd5(String stored, String challenge, String clientDigestHex) {
        Objects.requireNonNull(challenge, "challenge");
        Objects.requireNonNull(clientDigestHex, "clientDigestHex");
        StoredValue parsed = parse(stored);
        if (parsed == null) {
            return Verdict.UNKNOWN_SCHEME;
        }
        if (!(parsed.scheme() instanceof PlainScheme || parsed.scheme() instanceof CramMd5Scheme)) {
            return Verdict.UNSUPPORTED_MECHANISM;
        }
        byte[] raw = raw(parsed);
        if (raw == null) {
            return Verdict.MALFORMED;
        }
        byte[] context = parsed.scheme() instanceof PlainScheme ? HmacMd5Context.of(raw) : raw;
        byte[] expected = HmacMd5Context.hmac(context, challenge.getBytes(StandardCharsets.UTF_8));
        byte[] given;
        try {
            given = HexFormat.of().parseHex(clientDigestHex);
        } catch (IllegalArgumentException e) {
            return Verdict.MISMATCH;
        }
        return MessageDigest.isEqual(expected, given) ? Verdict.MATCH : Verdict.MISMATCH;
    }

    @Override
    public String toString() {
        return "PasswordScheme[default=" + defaultScheme + "]";
    }

    /** @return the parsed value, or {@code null} (logged) when its scheme is unknown */
    private StoredValue parse(String stored) {
        StoredValue parsed = StoredValue.parse(Objects.requireNonNull(stored, "stored"), defaultScheme);
        if (parsed.scheme() == null) {
            LOG.warn("msg=\"stored password has an unknown scheme; it cannot be verified\" scheme={}", io.github.mailproxy.internal.Text.logValue(loggable(parsed.schemeName())));
        }
        return parsed.scheme() == null ? null : parsed;
    }

    /** @return the raw bytes, or {@code null} (logged) when the value does not decode */
    private static byte[] raw(StoredValue parsed) {
        byte[] raw = parsed.raw();
        if (raw == null) {
            logMalformed(parsed, parsed.scheme().rawLength() > 0
                    ? "not " + parsed.scheme().rawLength() + " bytes in " + parsed.encoding()
                    : "not valid " + parsed.encoding());
        }
        return raw;
    }

    private static void logMalformed(StoredValue parsed, String why) {
        LOG.warn("msg=\"stored password is malformed\" scheme={} reason={}", io.github.mailproxy.internal.Text.logValue(loggable(parsed.schemeName())), io.github.mailproxy.internal.Text.logValue(why));
    }

    private static String loggable(String name) {
        return LOGGABLE_NAME.matcher(name).matches() ? name : "(not shown: not a scheme name)";
    }

    private static Set<String> supported() {
        Set<String> names = new TreeSet<>();
        Schemes.names().forEach(names::add);
        return Collections.unmodifiableSet(names);
    }
}
