/**
 * {@link io.github.mailproxy.passdb.http.HttpPassDb}: routes logins by asking the auth server an nginx mail proxy
 * uses ({@code auth_http}), with nginx's request headers and answers.
 */
package io.github.mailproxy.passdb.http;
