/**
 * The demo and examples of embedding mailproxy; the launcher of {@code mailproxy.jar} is in
 * {@link io.github.mailproxy.examples.launcher}.
 */
package io.github.mailproxy.examples;
