package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PasswordScheme.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * ARGON2I and ARGON2ID in the PHC string format that Dovecot writes through libsodium:
 * {@code $argon2id$v=19$m=65536,t=3,p=1$salt$hash}, salt and hash in unpadded base64.
 *
 * <p>Like libsodium's crypto_pwhash_str_verify, the variant comes from the string's own prefix.
 *
 * @param name the scheme name
 */
record Argon2Scheme(String name) implements Scheme {

    /** Limits on what a stored value may make us spend; far above any sane setting, far below an OOM. */
    /** 256 MiB and 64 passes: far above Dovecot's defaults (64 MiB, 3 passes), far below minutes of work. */
    private static final int MAX_MEMORY_KIB = 1 << 18;
    private static final int MAX_ITERATIONS = 64;
    /** Memory times passes, in KiB: 4 x Dovecot's default work (64 MiB x 3 passes), about a second here. */
    private static final long MAX_WORK = 4L * 65536 * 3;
    private static final int MAX_PARALLELISM = 255;
    private static final int MIN_HASH = 4;
    private static final int MAX_HASH = 1024;

    @Override
    public Encoding defaultEncoding() {
        return Encoding.NONE;
    }

    @Override
    public boolean expensive() {
        return true;
    }

    @Override
    public Library library() {
        return Library.BOUNCY_CASTLE;
    }

    @Override
    public Verdict verify(byte[] password, byte[] raw) {
        Library.BOUNCY_CASTLE.require(name);
        Argon2Parameters.Builder builder;
        byte[] expected;
        try {
            String[] parts = new String(raw, StandardCharsets.UTF_8).split("\\$", -1);
            // "", type, [v=19,] params, salt, hash
            if (parts.length != 5 && parts.length != 6 || !parts[0].isEmpty()) {
                return Verdict.MALFORMED;
            }
            int type = switch (parts[1]) {
                case "argon2i" -> Argon2Parameters.ARGON2_i;
                case "argon2id" -> Argon2Parameters.ARGON2_id;
                default -> -1;
            };
            if (type < 0) {
                return Verdict.MALFORMED;
            }
            int version = Argon2Parameters.ARGON2_VERSION_10;
            int next = 2;
            if (parts.length == 6) {
                if (!parts[2].startsWith("v=")) {
                    return Verdict.MALFORMED;
                }
                version = Integer.parseInt(parts[2].substring(2));
                next = 3;
            }
            if (version != Argon2Parameters.ARGON2_VERSION_10 && version != Argon2Parameters.ARGON2_VERSION_13) {
                return Verdict.MALFORMED;
            }
            Map<String, Integer> params = parameters(parts[next]);
            Integer memory = params.get("m");
            Integer iterations = params.get("t");
            Integer parallelism = params.get("p");
            if (params.size() != 3 || memory == null || iterations == null || parallelism == null
                    || parallelism < 1 || parallelism > MAX_PARALLELISM || memory < 8 * parallelism
                    || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS
                    || (long) memory * iterations > MAX_WORK) {
                return Verdict.MALFORMED;
            }
            byte[] salt = Base64.getDecoder().decode(parts[next + 1]);
            expected = Base64.getDecoder().decode(parts[next + 2]);
            if (salt.length < 8 || expected.length < MIN_HASH || expected.length > MAX_HASH) {
                return Verdict.MALFORMED;
            }
            builder = new Argon2Parameters.Builder(type).withVersion(version).withMemoryAsKB(memory)
                    .withIterations(iterations).withParallelism(parallelism).withSalt(salt);
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;  // NumberFormatException included
        }
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(builder.build());
        byte[] actual = new byte[expected.length];
        generator.generateBytes(password, actual);
        return MessageDigest.isEqual(actual, expected) ? Verdict.MATCH : Verdict.MISMATCH;
    }

    private static Map<String, Integer> parameters(String text) {
        Map<String, Integer> params = new HashMap<>();
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || !pair.substring(eq + 1).matches("[0-9]{1,9}")
                    || params.put(pair.substring(0, eq), Integer.parseInt(pair.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("bad argon2 parameters");
            }
        }
        return params;
    }
}
