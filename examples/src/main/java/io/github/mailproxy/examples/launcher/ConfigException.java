package io.github.mailproxy.examples.launcher;

/**
 * A launcher configuration that cannot be used: an unknown key, a bad value, a missing file, a port
 * in use. The message is written for the operator and names the key or the address at fault; it
 * never contains a password.
 */
public final class ConfigException extends RuntimeException {

    /**
     * @param message what is wrong, starting with the key or the file it concerns
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, starting with the key or the file it concerns
     * @param cause   the underlying failure
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
