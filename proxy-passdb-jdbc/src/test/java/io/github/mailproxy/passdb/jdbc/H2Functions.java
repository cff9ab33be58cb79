package io.github.mailproxy.passdb.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Java functions that H2 tests register with CREATE ALIAS; public because H2 calls them by reflection. */
public final class H2Functions {

    private H2Functions() {
    }

    /**
     * Records one call in the table {@code lookups}, so that a test can count queries at the database.
     *
     * @param connection the calling connection (H2 passes it)
     * @return 1
     * @throws SQLException from H2
     */
    public static int counted(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("INSERT INTO lookups VALUES (1)");
        }
        return 1;
    }

    /**
     * Makes a query slow; H2 has no sleep function of its own.
     *
     * @param seconds how long
     * @return 0
     * @throws InterruptedException if the query is cancelled
     */
    public static int sleepSeconds(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
        return 0;
    }
}
