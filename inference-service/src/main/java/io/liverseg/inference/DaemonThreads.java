package io.liverseg.inference;

import java.util.concurrent.ThreadFactory;

/** Thread factories of the service's own executors: daemon threads (they never keep the JVM alive), named. */
final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Every thread it makes is called {@code name}. */
    static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
