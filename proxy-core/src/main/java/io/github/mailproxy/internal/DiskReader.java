package io.github.mailproxy.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The thread on which a component re-reads its files (a passwd-file, keystores), so that disk reads
 * never run on an event loop or on the scheduler's timer thread: one daemon thread, made when there
 * is work and ended after 30 idle seconds, so an idle component holds none.
 */
public final class DiskReader {

    private DiskReader() {
    }

    /**
     * @param name the thread's name
     * @return an executor that runs its tasks one at a time on that thread
     */
    public static ThreadPoolExecutor newExecutor(String name) {
        ThreadPoolExecutor reader = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
        reader.allowCoreThreadTimeOut(true);
        return reader;
    }
}
