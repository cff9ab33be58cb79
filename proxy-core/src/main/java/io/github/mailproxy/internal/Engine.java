package io.github.mailproxy.internal;

import io.github.mailproxy.ProxyStats;
import java.io.IOException;

/** Placeholder while the engine is written. */
public final class Engine {
    public Engine(EngineConfig config) {
    }

    public void start() throws IOException {
        throw new UnsupportedOperationException("engine not yet written");
    }

    public int port(String protocol) {
        throw new UnsupportedOperationException();
    }

    public ProxyStats stats() {
        return new ProxyStats(0, 0, 0, 0, 0, 0, 0);
    }

    public void close() {
    }
}
