package io.github.mailproxy.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the one kind of test class allowed to log a test password: a test of {@link LogSecrets}
 * itself, which must drain what it logged before it ends.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface LogsSecretsOnPurpose {
}
