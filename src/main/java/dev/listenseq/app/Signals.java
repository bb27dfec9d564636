package dev.listenseq.app;

import sun.misc.Signal;

/**
 * Catches SIGTERM and SIGINT without starting JVM shutdown, so a command can stop its job with a
 * savepoint while the local Flink cluster is still fully alive (shutdown hooks would race it).
 */
public final class Signals {

    private Signals() {
    }

    public static void onTerminate(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                // This platform has no such signal; the other one still works.
            }
        }
    }
}
