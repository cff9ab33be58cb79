/**
 * Micrometer meters for a {@link io.github.mailproxy.ProxyServer}:
 * {@link io.github.mailproxy.micrometer.MailproxyMetrics}. Core knows nothing of Micrometer; an
 * application that wants metrics adds this module and the registry of its choice.
 */
package io.github.mailproxy.micrometer;
