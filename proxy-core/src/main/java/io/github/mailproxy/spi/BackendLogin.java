package io.github.mailproxy.spi;

/**
 * A protocol's backend login client: logs in to the backend on the client's behalf and reports
 * one {@link BackendLoginResult}. Made by {@link Protocol#newBackendLogin}; driven by the core
 * through its {@link BackendHandler} calls, on the session's loop.
 */
public interface BackendLogin extends BackendHandler {

    /** The client has gone: close the backend connection and report nothing. */
    void abandon();
}
