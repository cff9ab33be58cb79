/**
 * Micrometer meters for mailproxy: {@link io.github.mailproxy.micrometer.MailproxyMetrics}, a session listener
 * that feeds any {@code MeterRegistry}. Core stays free of Micrometer.
 */
module io.github.mailproxy.micrometer {
    exports io.github.mailproxy.micrometer;

    requires transitive io.github.mailproxy.core;
    requires transitive micrometer.core;
}
