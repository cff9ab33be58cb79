package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.DovecotVariable;
import io.github.mailproxy.PassDb.CacheKeyPart;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A Dovecot SQL query with {@code %} variables, turned into JDBC SQL whose every variable is a
 * {@code ?} bind parameter.
 *
 * <p>A variable that is the whole of a quoted string ({@code '%u'}, or MySQL's {@code "%u"}) takes the
 * quotes with it: {@code '%u'} becomes {@code ?}. One that shares a string with other text
 * ({@code '%n@example.org'}) becomes {@code CONCAT(?, '@example.org')}, which MariaDB, MySQL,
 * PostgreSQL and H2 all understand. {@code %%} is a percent sign. Quoted strings and identifiers
 * without variables, and comments, are kept as written. A {@code ?} of the template's own outside
 * quotes is refused, since it would shift every parameter after it.
 *
 * <p>Backslash escapes inside strings (MySQL's {@code 'it\'s'}) are not understood: quotes are
 * escaped by doubling them, as standard SQL does.
 */
final class QueryTemplate {

    private final String sql;
    private final List<DovecotVariable.Reference> parameters;

    private QueryTemplate(String sql, List<DovecotVariable.Reference> parameters) {
        this.sql = sql;
        this.parameters = List.copyOf(parameters);
    }

    /**
     * @param template a Dovecot query such as {@code SELECT ... WHERE user = '%u'}
     * @return the parsed template
     * @throws IllegalArgumentException naming the problem: an unknown variable, an unterminated string
     *                                  or comment, a lone {@code ?}
     */
    static QueryTemplate parse(String template) {
        return new Parser(template).parse();
    }

    /** @return the SQL for {@link java.sql.Connection#prepareStatement(String)} */
    String sql() {
        return sql;
    }

    /** @return the bind parameters, in order */
    List<DovecotVariable.Reference> parameters() {
        return parameters;
    }

    /**
     * @param request a login
     * @return the value of each bind parameter, in order
     */
    List<String> values(AuthRequest request) {
        List<String> values = new ArrayList<>(parameters.size());
        for (DovecotVariable.Reference p : parameters) {
            values.add(p.value(request));
        }
        return values;
    }

    /** @return the request parts the query reads: user and protocol always, addresses when used */
    Set<CacheKeyPart> cacheKey() {
        EnumSet<CacheKeyPart> parts = EnumSet.of(CacheKeyPart.USER, CacheKeyPart.PROTOCOL);
        for (DovecotVariable.Reference p : parameters) {
            parts.add(p.variable().cacheKeyPart());
        }
        return parts;
    }

    /** A piece of a quoted string: text, or a variable. */
    private sealed interface Piece {
    }

    private record Text(String text) implements Piece {
    }

    private record Var(DovecotVariable.Reference parameter) implements Piece {
    }

    /** One pass over the template. */
    private static final class Parser {
        private final String in;
        private final StringBuilder out = new StringBuilder();
        private final List<DovecotVariable.Reference> parameters = new ArrayList<>();
        private int pos;

        Parser(String in) {
            this.in = in;
        }

        QueryTemplate parse() {
            while (pos < in.length()) {
                char c = in.charAt(pos);
                if (c == '\'' || c == '"') {
                    quoted(c);
                } else if (c == '`') {
                    copyThrough(1, "`", "a `quoted` identifier");
                } else if (c == '-' && in.startsWith("--", pos)) {
                    int end = in.indexOf('\n', pos);
                    out.append(in, pos, end < 0 ? in.length() : end);
                    pos = end < 0 ? in.length() : end;
                } else if (c == '/' && in.startsWith("/*", pos)) {
                    copyThrough(2, "*/", "a /* comment");
                } else if (c == '%') {
                    DovecotVariable.Reference p = variable();
                    if (p == null) {
                        out.append('%');
                    } else {
                        parameters.add(p);
                        out.append('?');
                    }
                } else if (c == '?') {
                    throw new IllegalArgumentException("passdb query: a '?' outside quotes at offset " + pos
                            + " would be taken for a bind parameter; use %u and the other variables instead");
                } else {
                    out.append(c);
                    pos++;
                }
            }
            return new QueryTemplate(out.toString(), parameters);
        }

        /** Copies from {@code pos} (an opener of {@code openerLength} characters) through {@code close}. */
        private void copyThrough(int openerLength, String close, String what) {
            // search after the whole opener, so that "/*/" does not count as a closed comment
            int end = in.indexOf(close, pos + openerLength);
            if (end < 0) {
                throw new IllegalArgumentException("passdb query: " + what + " at offset " + pos + " is not closed");
            }
            out.append(in, pos, end + close.length());
            pos = end + close.length();
        }

        /** A string or identifier in {@code quote}; a doubled quote inside stands for one. */
        private void quoted(char quote) {
            int start = pos;
            List<Piece> pieces = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            boolean hasVariable = false;
            pos++;
            while (true) {
                if (pos >= in.length()) {
                    throw new IllegalArgumentException("passdb query: the string starting at offset " + start
                            + " is not closed");
                }
                char c = in.charAt(pos);
                if (c == quote) {
                    if (pos + 1 < in.length() && in.charAt(pos + 1) == quote) {
                        text.append(quote);
                        pos += 2;
                        continue;
                    }
                    pos++;
                    break;
                }
                if (c == '%') {
                    DovecotVariable.Reference p = variable();
                    if (p == null) {
                        text.append('%');
                    } else {
                        if (!text.isEmpty()) {
                            pieces.add(new Text(text.toString()));
                            text.setLength(0);
                        }
                        pieces.add(new Var(p));
                        hasVariable = true;
                    }
                    continue;
                }
                text.append(c);
                pos++;
            }
            if (!text.isEmpty()) {
                pieces.add(new Text(text.toString()));
            }
            if (!hasVariable) {
                // Kept as written, quote kind included (an identifier stays an identifier); only %% changes.
                out.append(quote).append(escape(text.toString(), quote)).append(quote);
                return;
            }
            if (pieces.size() == 1) {
                parameters.add(((Var) pieces.get(0)).parameter());
                out.append('?');
                return;
            }
            out.append("CONCAT(");
            for (int i = 0; i < pieces.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                if (pieces.get(i) instanceof Var v) {
                    parameters.add(v.parameter());
                    out.append('?');
                } else {
                    out.append('\'').append(escape(((Text) pieces.get(i)).text(), '\'')).append('\'');
                }
            }
            out.append(')');
        }

        private static String escape(String text, char quote) {
            return text.replace(String.valueOf(quote), String.valueOf(quote) + quote);
        }

        /** Reads the variable at {@code pos} (which holds '%'); returns null for {@code %%}. */
        private DovecotVariable.Reference variable() {
            if (in.startsWith("%%", pos)) {
                pos += 2;
                return null;
            }
            ParsePosition at = new ParsePosition(pos);
            try {
                DovecotVariable.Reference p = DovecotVariable.parse(in, at);
                pos = at.getIndex();
                return p;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("passdb query: " + e.getMessage(), e);
            }
        }
    }
}
