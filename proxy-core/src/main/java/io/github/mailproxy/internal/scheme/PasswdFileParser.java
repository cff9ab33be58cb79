package io.github.mailproxy.internal.scheme;

import io.github.mailproxy.PassDbResult;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Dovecot's passwd-file format: {@code user:password:uid:gid:gecos:home:shell:extra_fields},
 * every field after the user optional, extra fields space-separated {@code key=value} or bare
 * {@code key}. Not API.
 *
 * <p>As in Dovecot's db-passwd-file.c, everything after the seventh colon is the extra fields (so
 * their values may hold colons), an empty password means none, the first entry of a user wins, and
 * uid, gid and home become the userdb fields {@code userdb_uid}, {@code userdb_gid},
 * {@code userdb_home}; gecos and shell are ignored.
 */
public final class PasswdFileParser {

    private PasswdFileParser() {
    }

    /**
     * A line that was skipped.
     *
     * @param line   its number, from 1
     * @param reason why, never quoting the password
     */
    public record Problem(int line, String reason) {
    }

    /**
     * What a file held.
     *
     * @param users    user name to its lookup result
     * @param problems the lines skipped, in order
     */
    public record Contents(Map<String, PassDbResult> users, List<Problem> problems) {
    }

    /**
     * @param bytes the file's bytes, UTF-8, LF or CRLF line ends
     * @return the users and the skipped lines
     */
    public static Contents parse(byte[] bytes) {
        Map<String, PassDbResult> users = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, Integer> firstLines = new HashMap<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        for (int number = 1; start < bytes.length; number++) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            String line;
            try {
                line = utf8.decode(ByteBuffer.wrap(bytes, start, stop - start)).toString();
            } catch (CharacterCodingException e) {
                line = null;
            }
            start = end + 1;
            if (line == null) {
                problems.add(new Problem(number, "not UTF-8"));
                continue;
            }
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            String problem = parseLine(line, number, users, firstLines);
            if (problem != null) {
                problems.add(new Problem(number, problem));
            }
        }
        return new Contents(Collections.unmodifiableMap(users), Collections.unmodifiableList(problems));
    }

    /**
     * @return why the line is skipped, or {@code null} once its user is added; never text of the line,
     *         which may hold a password (or be one, pasted on a line of its own)
     */
    private static String parseLine(String line, int number, Map<String, PassDbResult> users,
                                    Map<String, Integer> firstLines) {
        String[] f = line.split(":", 8);
        String user = f[0];
        if (user.isEmpty()) {
            return "empty user name";
        }
        if (!user.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            return "user name contains white space or control characters";
        }
        Map<String, String> fields = new LinkedHashMap<>();
        if (f.length > 1 && !f[1].isEmpty()) {
            fields.put(PassDbResult.PASSWORD, f[1]);
        }
        if (f.length > 2 && !f[2].isEmpty()) {
            if (!f[2].matches("[0-9]{1,10}")) {
                return "uid is not a number";
            }
            fields.put("userdb_uid", f[2]);
        }
        if (f.length > 3 && !f[3].isEmpty()) {
            if (!f[3].matches("[0-9]{1,10}")) {
                return "gid is not a number";
            }
            fields.put("userdb_gid", f[3]);
        }
        if (f.length > 5 && !f[5].isEmpty()) {
            fields.put("userdb_home", f[5]);
        }
        if (f.length > 7) {
            for (String pair : f[7].strip().split("\\s+")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq == 0) {
                    return "extra field with an empty name";
                }
                fields.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        if (users.containsKey(user)) {
            return "user already defined on line " + firstLines.get(user) + ", which is kept";
        }
        users.put(user, PassDbResult.found(fields));
        firstLines.put(user, number);
        return null;
    }
}
