package io.productivek3s.infra.util;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's shutdown hooks, registered through here so the process knows whether any is pending when it ends.
 *
 * <p>Why: on Java 21+ {@code Runtime.exit} first asks {@code System.getLogger("java.lang.Runtime")} whether to log the
 * exit (JDK-8301627). That initialises java.util.logging and opens every jar on the class path looking for a
 * {@code LoggerFinder}: 25-30 ms of a ~130 ms {@code version} from a release bundle (docs/performance.md). When no
 * hook is pending, {@link #end} halts instead, which ends the process the same way minus that lookup; otherwise it
 * exits normally so every hook runs. The count mirrors the JVM's own hook registry, which is process-global too
 * (the one static mutable field of the engine, on purpose).
 */
public final class ShutdownHooks {
    private static final AtomicInteger PENDING = new AtomicInteger();

    private ShutdownHooks() {
    }

    public static void add(Thread hook) {
        Runtime.getRuntime().addShutdownHook(hook);
        PENDING.incrementAndGet();
    }

    /** Removes {@code hook}; false when it was not registered (as {@link Runtime#removeShutdownHook}). */
    public static boolean remove(Thread hook) {
        boolean removed = Runtime.getRuntime().removeShutdownHook(hook);
        if (removed) {
            PENDING.decrementAndGet();
        }
        return removed;
    }

    /** Ends the process with {@code code}, after the caller flushed its output. */
    public static void end(int code) {
        if (PENDING.get() == 0) {
            Runtime.getRuntime().halt(code);
        }
        Runtime.getRuntime().exit(code);
    }
}
