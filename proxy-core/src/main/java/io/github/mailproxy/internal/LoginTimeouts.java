package io.github.mailproxy.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The two clocks of a session before login: the login timeout (Dovecot's
 * {@code login_proxy_timeout}-like bound on the whole pre-login phase) and the idle timeout, which
 * re-arms itself while the client keeps talking or waits for the proxy. Either ends in the same
 * expiry. Runs on the session's loop only.
 */
final class LoginTimeouts {

    private final EventLoop loop;
    private final Duration login;
    private final Duration idle;
    private final LongSupplier lastInputNanos;
    private final BooleanSupplier waitingForProxy;
    private final BooleanSupplier beforeLogin;
    private final Runnable expired;
    private EventLoop.Timer loginTimer;
    private EventLoop.Timer idleTimer;

    /**
     * @param loop            the session's loop
     * @param login           how long the pre-login phase may last
     * @param idle            how long the client may be silent before login
     * @param lastInputNanos  when the client last sent something, as {@link System#nanoTime()}
     * @param waitingForProxy whether the client waits for the proxy (PassDb, backend): that is no idling
     * @param beforeLogin     whether the session is still before login
     * @param expired         what to do when either runs out
     */
    LoginTimeouts(EventLoop loop, Duration login, Duration idle, LongSupplier lastInputNanos,
                  BooleanSupplier waitingForProxy, BooleanSupplier beforeLogin, Runnable expired) {
        this.loop = loop;
        this.login = login;
        this.idle = idle;
        this.lastInputNanos = lastInputNanos;
        this.waitingForProxy = waitingForProxy;
        this.beforeLogin = beforeLogin;
        this.expired = expired;
    }

    /** Starts both clocks. */
    void start() {
        loginTimer = loop.schedule(login.toNanos(), this::onLoginTimeout);
        idleTimer = loop.schedule(idle.toNanos(), this::onIdleCheck);
    }

    /** Fires at the idle deadline; re-arms itself if the client spoke meanwhile or is waiting for us. */
    private void onIdleCheck() {
        if (!beforeLogin.getAsBoolean()) {
            return;
        }
        long idleNanos = idle.toNanos();
        long silent = System.nanoTime() - lastInputNanos.getAsLong();
        if (silent < idleNanos || waitingForProxy.getAsBoolean()) {
            idleTimer = loop.schedule(Math.max(idleNanos - silent, idleNanos / 4), this::onIdleCheck);
            return;
        }
        onLoginTimeout();
    }

    private void onLoginTimeout() {
        if (beforeLogin.getAsBoolean()) {
            expired.run();
        }
    }

    /** Stops both clocks: the session logged in or closed. */
    void cancel() {
        if (loginTimer != null) {
            loginTimer.cancel();
        }
        if (idleTimer != null) {
            idleTimer.cancel();
        }
    }
}
