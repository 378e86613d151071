package io.productivek3s.infra.state;

/**
 * Test-only crash injection for the crash-consistency suite (StateCrashIT): when the environment variable
 * {@code PK3S_INFRA_TEST_CRASH_AT} names the point being passed, the JVM halts at once with status 137, the way a
 * SIGKILL would end it (no shutdown hooks, no finally blocks). Inert unless that variable is set; every point is a
 * real position between two steps of a persist, removal or lock (see docs/state.md, "Local backend").
 */
public final class CrashPoints {
    static final String VARIABLE = "PK3S_INFRA_TEST_CRASH_AT";

    private CrashPoints() {
    }

    public static void reach(String point) {
        String target = System.getenv(VARIABLE);
        if (target != null && target.equals(point)) {
            Runtime.getRuntime().halt(137);
        }
    }
}
