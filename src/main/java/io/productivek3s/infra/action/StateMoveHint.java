package io.productivek3s.infra.action;

import io.productivek3s.infra.cache.LauncherHints;
import io.productivek3s.infra.catalog.CacheDir;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.crypto.StateKeys;

/**
 * Tells the launcher how big the newest revision of a name was after a run with a state key persisted or pulled it
 * ({@code <cache root>/launcher-hints}, {@link LauncherHints#noteStateMove}), so that the next encrypted
 * {@code state pull}, {@code profile status} or {@code profile destroy} of a small state runs on C1 only
 * (docs/performance.md "Small encrypted pulls on C1"). Only when
 * a key variable is set, the one case where the launcher reads it; best effort: a hint never changes a result.
 */
final class StateMoveHint {
    private StateMoveHint() {
    }

    static void note(EngineContext context, String name, long bytes) {
        if (!StateKeys.anySet(context.env())) {
            return;
        }
        try {
            new LauncherHints(CacheDir.from(context.env()).root()).noteStateMove(name, bytes);
        } catch (RuntimeException noCacheDirectory) {
            context.log().debug("launcher hint not written: " + noCacheDirectory.getMessage());
        }
    }
}
