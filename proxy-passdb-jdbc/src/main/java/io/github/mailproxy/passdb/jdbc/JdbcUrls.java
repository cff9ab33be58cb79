package io.github.mailproxy.passdb.jdbc;

import java.util.regex.Pattern;

/**
 * Masks the passwords a JDBC URL may carry, for every message and log line that shows one:
 *
 * <pre>{@code
 * JdbcUrls.mask("jdbc:mariadb://db1/mail?user=proxy&password=s3cret");  // ...?user=proxy&password=***
 * JdbcUrls.mask("jdbc:mysql://proxy:s3cret@db1/mail");                 // jdbc:mysql://proxy:***@db1/mail
 * }</pre>
 *
 * Any parameter whose name ends in {@code password}, {@code passwd} or {@code pwd}, in any case
 * ({@code password}, {@code sslpassword}, {@code keyStorePassword}, H2's {@code ;PASSWORD=}), loses
 * its value up to the next {@code &}, {@code ;}, {@code )} or white space; so does the password of a
 * {@code //user:password@host} part. The rest is shown as it is. It works on any text, so a driver's
 * error message that quotes the URL can be masked too.
 */
public final class JdbcUrls {

    private static final Pattern PARAMETER = Pattern.compile("(?i)([\\w.-]*(?:password|passwd|pwd))=[^&;)\\s]*");
    private static final Pattern USER_INFO = Pattern.compile("//([^/@?#\\s:]*):[^/@?#\\s]*@");

    private JdbcUrls() {
    }

    /**
     * @param text a JDBC URL, or a message that may contain one; may be {@code null}
     * @return the text with every password value replaced by {@code ***}
     */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = PARAMETER.matcher(text).replaceAll("$1=***");
        return USER_INFO.matcher(masked).replaceAll("//$1:***@");
    }
}
