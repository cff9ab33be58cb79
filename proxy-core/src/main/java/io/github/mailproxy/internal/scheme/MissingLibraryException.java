package io.github.mailproxy.internal.scheme;

/**
 * A scheme needs an optional jar that is not there. Thrown by a {@link Scheme} before it touches any
 * class of the jar, and turned into a logged {@link io.github.mailproxy.PasswordScheme.Verdict#UNKNOWN_SCHEME}
 * by {@link DovecotPasswordScheme}: the proxy cannot check such a password, which is a temporary failure
 * for the client and a configuration error for the operator.
 */
final class MissingLibraryException extends RuntimeException {

    private final transient Library library;
    private final String scheme;

    MissingLibraryException(Library library, String scheme) {
        super(library.missingMessage(scheme), null, false, false);
        this.library = library;
        this.scheme = scheme;
    }

    /** @return the missing jar */
    Library library() {
        return library;
    }

    /** @return the scheme that needed it */
    String scheme() {
        return scheme;
    }
}
