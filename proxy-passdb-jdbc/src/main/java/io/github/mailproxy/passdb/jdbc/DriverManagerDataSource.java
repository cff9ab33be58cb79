package io.github.mailproxy.passdb.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A DataSource without a pool: every connection is a new one from {@link DriverManager}. */
final class DriverManagerDataSource implements DataSource {

    private final String url;
    private final String user;
    private final String password;

    DriverManagerDataSource(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
        Properties properties = new Properties();
        if (username != null) {
            properties.setProperty("user", username);
        }
        if (pass != null) {
            properties.setProperty("password", pass);
        }
        try {
            return DriverManager.getConnection(url, properties);
        } catch (SQLException e) {
            // DriverManager's "No suitable driver found for <url>", and some drivers' messages, quote the URL
            String masked = JdbcUrls.mask(e.getMessage());
            if (masked == null || masked.equals(e.getMessage())) {
                throw e;
            }
            SQLException safe = new SQLException(masked, e.getSQLState(), e.getErrorCode());
            safe.setStackTrace(e.getStackTrace());
            throw safe;
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Drivers log through their own logging; nothing to pass on.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // DriverManager's login timeout is global to the JVM; not changed from one DataSource.
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "DriverManagerDataSource[url=" + JdbcUrls.mask(url) + ", user=" + user + "]";
    }
}
