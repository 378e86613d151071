package io.productivek3s.infra.state.backends;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.crypto.StateEncryption;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.local.LocalDriver;
import io.productivek3s.infra.state.pg.PgConnectionSpec;
import io.productivek3s.infra.state.pg.PostgresBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Opens the state store {@code PK3S_STATE_BACKEND} names: unset, empty or {@code local} → the local directory
 * (docs/contract/state-files.md#layout); {@code postgresql://user[:password]@host[:port]/db} → the shared PostgreSQL backend, which mirrors every
 * cluster into {@code localDir} for {@code pk3s}. Anything else → exit 4. Never falls back silently.
 */
public final class StateBackends {
    public static final String VARIABLE = StateStore.BACKEND_VARIABLE;

    private StateBackends() {
    }

    public static StateStore open(Map<String, String> env, Path localDir, Consumer<String> warn) {
        return open(env, localDir, warn, message -> { });
    }

    /** As {@link #open(Map, Path, Consumer)}, with {@code debug} receiving --debug lines (never a password). */
    public static StateStore open(Map<String, String> env, Path localDir, Consumer<String> warn,
            Consumer<String> debug) {
        return prepare(env, warn, debug).open(localDir);
    }

    /**
     * Starts opening the backend before its local directory is known: a PostgreSQL connection is made in the
     * background meanwhile (start-up cost, docs/performance.md "State backends"). Every error, including an unknown
     * backend, is thrown by {@link Prepared#open}, so callers keep their order of checks.
     */
    public static Prepared prepare(Map<String, String> env, Consumer<String> warn, Consumer<String> debug) {
        return prepare(env.getOrDefault(VARIABLE, ""), VARIABLE, env, warn, debug);
    }

    /**
     * As {@link #prepare(Map, Consumer, Consumer)}, for a store that reads with every key {@code env} names and writes
     * plain state ({@code state migrate --decrypt}, docs/state.md "Mixed state, rotation, migration").
     */
    public static Prepared prepareWritingPlain(Map<String, String> env, Consumer<String> warn, Consumer<String> debug) {
        return prepare(env.getOrDefault(VARIABLE, ""), VARIABLE, env, warn, debug, true);
    }

    /**
     * As {@link #prepare(Map, Consumer, Consumer)} for {@code backend}, which came from {@code origin}
     * ({@value #VARIABLE}, or {@code --to}): error messages name the origin.
     */
    public static Prepared prepare(String backend, String origin, Map<String, String> env, Consumer<String> warn,
            Consumer<String> debug) {
        return prepare(backend, origin, env, warn, debug, false);
    }

    private static Prepared prepare(String backend, String origin, Map<String, String> env, Consumer<String> warn,
            Consumer<String> debug, boolean writesPlain) {
        String trimmed = backend.trim();
        if (trimmed.isEmpty() || trimmed.equals("local")) {
            StateEncryption encryption = new StateEncryption(env, CallerPaths.from(env, debug)::resolve);
            return dir -> local(dir, StateLayer.historyLimit(env), encryption, warn, debug);
        }
        if (isPostgres(trimmed)) {
            PostgresBackend.Connecting connecting = PostgresBackend.connectInBackground(trimmed, origin, env, warn, debug);
            StateEncryption encryption = new StateEncryption(env, CallerPaths.from(env, debug)::resolve, writesPlain);
            return dir -> connecting.open(dir, encryption);
        }
        return dir -> {
            throw EngineException.invalid(origin + " must be 'local' or a postgresql://user@host:port/db URL");
        };
    }

    /**
     * The local backend in {@code dir} (docs/state.md "Local backend"): the state layer over the local driver, whose
     * directory is also the mirror {@code pk3s} reads, keeping {@code historyLimit} revisions per name.
     */
    public static StateStore local(Path dir, int historyLimit, Consumer<String> warn, Consumer<String> debug) {
        return local(dir, historyLimit, UnaryOperator.identity(), warn, debug);
    }

    /**
     * As {@link #local(Path, int, Consumer, Consumer)}, with the driver wrapped by {@code decorate} (encryption at
     * rest: docs/state.md "Encryption at rest") under the layer; the pair {@code pk3s} reads stays plain.
     */
    public static StateStore local(Path dir, int historyLimit, UnaryOperator<StateDriver> decorate,
            Consumer<String> warn, Consumer<String> debug) {
        return StateLayer.openLocal(decorate.apply(LocalDriver.open(dir)), dir, historyLimit, warn, debug);
    }

    /** Whether {@code backend} (a {@value #VARIABLE} value) names the PostgreSQL backend. */
    public static boolean isPostgres(String backend) {
        String trimmed = backend.trim();
        return trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://");
    }

    /**
     * The variables of {@code env} that hold the PostgreSQL backend's password, which no child process gets:
     * {@code PGPASSWORD}, and {@value #VARIABLE} itself when its URL embeds one. Empty for the local backend.
     */
    public static List<String> credentialVariables(Map<String, String> env) {
        String backend = env.getOrDefault(VARIABLE, "");
        if (!isPostgres(backend)) {
            return List.of();
        }
        return PgConnectionSpec.embedsPassword(backend) ? List.of("PGPASSWORD", VARIABLE)
                : List.of("PGPASSWORD");
    }

    /**
     * The state backend's passwords {@code env} knows before connecting ({@code PGPASSWORD}, the URL's, as written and
     * decoded), for the log's redactor: every line is masked with them, whatever it quotes (docs/state.md
     * "Credentials"). A {@code .pgpass} password is masked by the messages of the backend that reads it.
     */
    public static List<String> knownPasswords(Map<String, String> env) {
        List<String> passwords = new java.util.ArrayList<>();
        String fromEnv = env.get("PGPASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            passwords.add(fromEnv);
        }
        String backend = env.getOrDefault(VARIABLE, "");
        if (isPostgres(backend)) {
            passwords.addAll(PgConnectionSpec.writtenPasswords(backend));
        }
        return passwords;
    }

    /** A backend being opened; {@link #open} returns the store mirroring into (or living in) {@code localDir}. */
    @FunctionalInterface
    public interface Prepared {
        StateStore open(Path localDir);
    }
}
