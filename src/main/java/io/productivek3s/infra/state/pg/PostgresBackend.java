package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.driver.StateDriver;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Opens the PostgreSQL backend (docs/state.md "PostgreSQL backend"): the state layer over a {@link PostgresDriver},
 * mirroring into the local state directory, with the mirror's bookkeeping in {@code <state dir>/.pk3s-pg/}.
 */
public final class PostgresBackend {
    /** Where the mirror's bookkeeping lives (kept from before the state layer: existing mirrors stay valid). */
    static final String BOOK_DIR = ".pk3s-pg";

    private PostgresBackend() {
    }

    /**
     * Connects (exit 5 unreachable, exit 4 authentication or malformed settings), brings the schema up to date and
     * returns the layer; {@code localDir} becomes the mirror.
     */
    public static StateLayer open(String url, Map<String, String> env, Path localDir, Consumer<String> warn,
            Consumer<String> debug) {
        return connectInBackground(url, "PK3S_STATE_BACKEND", env, warn, debug).open(localDir);
    }

    /**
     * Starts connecting on a daemon thread, so driver class loading, TLS and SCRAM overlap whatever the caller does
     * before it needs the store (preparing the package); {@link Connecting#open} waits for it. Any failure (malformed
     * URL, unreachable, authentication) surfaces from {@code open}, never earlier, so the run's own checks come first.
     * A connection never opened closes with the process.
     */
    public static Connecting connectInBackground(String url, String origin, Map<String, String> env,
            Consumer<String> warn, Consumer<String> debug) {
        CompletableFuture<PostgresDriver> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(PostgresDriver.connect(url, origin, env, warn, debug));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "pk3s-state-connect");
        thread.setDaemon(true);
        thread.start();
        return new Connecting(result, url, origin, env, warn, debug);
    }

    /** A connection being opened; see {@link #connectInBackground}. */
    public static final class Connecting {
        private final CompletableFuture<PostgresDriver> driver;
        private final AtomicBoolean handedOut = new AtomicBoolean();
        private final String url;
        private final String origin;
        private final Map<String, String> env;
        private final Consumer<String> warn;
        private final Consumer<String> debug;

        private Connecting(CompletableFuture<PostgresDriver> driver, String url, String origin, Map<String, String> env,
                Consumer<String> warn, Consumer<String> debug) {
            this.driver = driver;
            this.url = url;
            this.origin = origin;
            this.env = env;
            this.warn = warn;
            this.debug = debug;
        }

        /**
         * The layer over the connection, mirroring into {@code localDir}; the connection's failure, if it failed.
         * The background connection serves the first call; later calls (after that layer was closed) connect anew.
         */
        public StateLayer open(Path localDir) {
            return open(localDir, UnaryOperator.identity());
        }

        /** As {@link #open(Path)}, with the driver wrapped by {@code decorate} (encryption at rest) under the layer. */
        public StateLayer open(Path localDir, UnaryOperator<StateDriver> decorate) {
            PostgresDriver d;
            try {
                d = handedOut.getAndSet(true) ? PostgresDriver.connect(url, origin, env, warn, debug) : driver.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
            return StateLayer.open(decorate.apply(d), localDir, BOOK_DIR, StateLayer.historyLimit(env), warn, debug);
        }
    }
}
