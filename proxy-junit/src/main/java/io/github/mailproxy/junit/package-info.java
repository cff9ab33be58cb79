/**
 * A JUnit 5 extension that runs a mailproxy in front of a test mail server: {@link
 * io.github.mailproxy.junit.ProxyExtension}.
 */
package io.github.mailproxy.junit;
