package io.github.mailproxy.passdb.jdbc;

import io.github.mailproxy.AuthRequest;

/**
 * One bind parameter of a query: a variable and how its case is changed.
 *
 * @param variable which value
 * @param modifier its case change
 */
record Parameter(Variable variable, Modifier modifier) {

    /**
     * @param request a login
     * @return the value to bind
     */
    String value(AuthRequest request) {
        return modifier.apply(variable.value(request));
    }
}
