package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.PassDbResult;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns the row of a passdb query into PassDbResult fields, as Dovecot's SQL passdb does. */
final class Rows {

    private Rows() {
    }

    /**
     * Reads the current row: each column label is a field name (case does not matter), SQL NULL
     * leaves the field out, and a SQL boolean becomes {@code Y} or {@code N}, which
     * {@link PassDbResult#flag(String)} reads like Dovecot's {@code 'Y'}.
     *
     * @param rs            a result set on a row
     * @param defaultScheme Dovecot's {@code default_pass_scheme}, put before a {@code password} that names
     *                      no scheme; or {@code null}
     * @return field name to value
     * @throws SQLException from the driver
     */
    static Map<String, String> fields(ResultSet rs, String defaultScheme) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            String value = value(rs, i, meta.getColumnType(i), meta.getPrecision(i));
            if (value == null) {
                continue;
            }
            String name = meta.getColumnLabel(i);
            if (defaultScheme != null && name.equalsIgnoreCase(PassDbResult.PASSWORD)
                    && !value.isEmpty() && !value.startsWith("{")) {
                value = "{" + defaultScheme + "}" + value;
            }
            fields.put(name, value);
        }
        return fields;
    }

    private static String value(ResultSet rs, int column, int type, int precision) throws SQLException {
        // PostgreSQL renders a boolean as "t"/"f" through getString, which would read as false.
        if (type == Types.BOOLEAN || (type == Types.BIT && precision <= 1)) {
            boolean b = rs.getBoolean(column);
            return rs.wasNull() ? null : b ? "Y" : "N";
        }
        return rs.getString(column);
    }
}
