/** The launcher, the demo and examples of embedding mailproxy. */
package io.github.mailproxy.examples;
