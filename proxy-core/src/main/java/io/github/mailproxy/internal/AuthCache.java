package io.github.mailproxy.internal;

import io.github.mailproxy.AuthCacheSpec;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.PassDb;
import io.github.mailproxy.PassDbResult;
import java.util.concurrent.CompletionStage;

/** The auth cache in front of a PassDb (placeholder: passes every lookup through). */
public final class AuthCache implements PassDb {

    private final PassDb delegate;

    /**
     * @param spec     size and times to live
     * @param delegate the PassDb behind the cache
     */
    public AuthCache(AuthCacheSpec spec, PassDb delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<PassDbResult> lookup(AuthRequest request) {
        return delegate.lookup(request);
    }

    /** @return lookups answered from the cache */
    public long hits() {
        return 0;
    }

    /** @return lookups that went to the PassDb */
    public long misses() {
        return 0;
    }
}
