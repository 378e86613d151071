package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.state.StateDirResolver;
import io.productivek3s.infra.state.StateStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Opens state stores: the one {@code PK3S_STATE_BACKEND} names, or another backend ({@code state migrate --to}).
 * Both keep {@code pk3s}'s local files in the resolved state directory (docs/contract/state-files.md#state-directory). Tests substitute an in-memory store.
 */
public interface StateStores {
    /** The current backend. */
    StateStore open();

    /**
     * The backend {@code backend} names ({@code local} or a PostgreSQL URL), with the same local directory: the
     * {@code state migrate --to} target, which its error messages name.
     */
    StateStore open(String backend);

    /**
     * The current backend as a store that reads with every key the environment names and writes plain state
     * ({@code state migrate --decrypt}, docs/state.md "Mixed state, rotation, migration").
     */
    StateStore openWritingPlain();

    /**
     * Starts opening the current backend now, so a PostgreSQL connection is made while the caller prepares the
     * package (docs/performance.md "State backends"); {@link #open()} then takes it over. Optional.
     */
    default void warmUp() {
    }

    /**
     * Whether there can be any state to read without creating anything: a shared backend always may; the local one
     * only when its state directory exists (a read before a package is fully checked must leave no trace).
     */
    default boolean mayHoldState() {
        return true;
    }

    static StateStores of(EngineContext context) {
        return new StateStores() {
            private StateBackends.Prepared current;

            @Override
            public synchronized void warmUp() {
                if (current == null) {
                    current = StateBackends.prepare(context.env(), context.log()::warn, context.log()::debug);
                }
            }

            @Override
            public boolean mayHoldState() {
                return StateBackends.isPostgres(context.env().getOrDefault(StateBackends.VARIABLE, ""))
                        || new StateDirResolver(context.env(), context.paths().baseDir(), context.log()::warn).existing()
                                .isPresent();
            }

            @Override
            public StateStore open() {
                warmUp();
                return current.open(dir());
            }

            @Override
            public StateStore open(String backend) {
                Map<String, String> env = new HashMap<>(context.env());
                env.put(StateBackends.VARIABLE, backend);
                return StateBackends.prepare(backend, "--to", env, context.log()::warn, context.log()::debug).open(dir());
            }

            @Override
            public StateStore openWritingPlain() {
                return StateBackends.prepareWritingPlain(context.env(), context.log()::warn, context.log()::debug)
                        .open(dir());
            }

            private Path dir() {
                Path dir = new StateDirResolver(context.env(), context.paths().baseDir(), context.log()::warn).resolve();
                context.log().debug("state dir: " + dir);
                return dir;
            }
        };
    }
}
