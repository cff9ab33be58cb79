package io.github.mailproxy;

import io.github.mailproxy.internal.Text;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * {@link ProxyServer#start()} could not bind a listener's address: it is in use, not an address of
 * this host, or a port below 1024 without the privilege. Names the listener, so that a launcher can
 * say which of its settings is at fault without reading the message:
 *
 * <pre>{@code
 * try {
 *     server.start();
 * } catch (ListenerBindException e) {
 *     System.err.println(nameOf(e.listener()) + ": cannot listen on " + e.address() + ": " + e.reason());
 * }
 * }</pre>
 *
 * <p>Nothing stays bound after it: the server closed the listeners it had bound, and may be started
 * again once the address is free.
 */
public final class ListenerBindException extends UncheckedIOException {

    private static final long serialVersionUID = 1L;

    /** The listener; not serialised, as its protocol and SSLContext are not serialisable. */
    private final transient Listener listener;

    /**
     * @param listener the listener whose address could not be bound
     * @param cause    the operating system's refusal, such as a {@link java.net.BindException}
     */
    public ListenerBindException(Listener listener, IOException cause) {
        super("cannot listen on " + Text.address(listener.address()) + " (" + listener.protocol().name() + "): "
                + Objects.requireNonNull(cause, "cause").getMessage(), cause);
        this.listener = listener;
    }

    /** @return the listener that could not be bound, as given to {@link ProxyServer.Builder#listen(Listener)} */
    public Listener listener() {
        return listener;
    }

    /** @return the address that could not be bound */
    public InetSocketAddress address() {
        return listener.address();
    }

    /** @return the operating system's reason, such as {@code Address already in use} */
    public String reason() {
        return getCause().getMessage();
    }
}
