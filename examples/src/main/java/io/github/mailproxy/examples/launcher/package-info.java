/**
 * The {@code mailproxy.jar} launcher: {@link io.github.mailproxy.examples.launcher.Launcher} runs the
 * demo or a proxy configured by a properties file, whose keys are the table
 * {@link io.github.mailproxy.examples.launcher.ConfigKey#values()}: each key's form, default, help
 * line, parser and, where its value alone sets one, the {@link io.github.mailproxy.ProxyServer.Builder}
 * option it sets.
 */
package io.github.mailproxy.examples.launcher;
