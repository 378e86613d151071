package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.ErroredCopies;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The read-only state commands: {@code state list} (and {@code profile list}), {@code state show},
 * {@code state history} and {@code state pull}. None takes a lock: listing shows who holds one, and revisions never
 * change once written. An unknown name or revision is exit 3.
 */
public final class StateQueryAction {
    /**
     * Where state lives, as messages name it: {@code location} is the backend (the state directory, or
     * {@code postgresql://user@host:port/db}); {@code mirror} the local directory that mirrors a shared backend (null
     * for local state).
     */
    public record Where(String location, Path mirror) {
        static Where of(StateStore store) {
            return new Where(store.backendName(), store.mirror().orElse(null));
        }
    }

    /** {@code state list}: where the clusters live and each cluster's summary, sorted by name. */
    public record Listing(Where where, List<ClusterInfo> clusters) {
    }

    /**
     * {@code state show}: the cluster's summary, its {@code engine-state.json} (null when absent or unreadable), its
     * current revision (null when the backend has none to show), the local files {@code pk3s} reads and the state of
     * failed runs kept uncommitted ({@link ErroredCopies}, oldest first).
     */
    public record Shown(Where where, ClusterInfo cluster, EngineState engineState, RevisionInfo current,
            Path clusterFile, Path runtimeDir, List<ErroredCopies.Copy> errored) {
    }

    /** {@code state history}: the revisions, oldest first. */
    public record History(String name, Where where, List<RevisionInfo> revisions) {
    }

    /** {@code state pull}: the revision written and where its two entries are. */
    public record Pulled(RevisionInfo revision, Path output, Path clusterFile, Path runtimeDir) {
    }

    private final EngineContext context;
    private final StateStores stores;

    public StateQueryAction(EngineContext context, StateStores stores) {
        this.context = context;
        this.stores = stores;
    }

    public Listing list() {
        try (StateStore store = stores.open()) {
            return new Listing(Where.of(store), store.list());
        } catch (IOException e) {
            throw readFailure("the clusters", e);
        }
    }

    public Shown show(String name) {
        try (StateStore store = stores.open()) {
            store.requireDecidable(name);
            ErroredCopies copies = warnUncommitted(store, name);
            Optional<ClusterInfo> cluster = store.list().stream().filter(c -> c.name().equals(name)).findFirst();
            List<RevisionInfo> revisions = store.history(name);
            if (cluster.isEmpty()) {
                throw unknown(store, name, revisions);
            }
            RevisionInfo current = revisions.isEmpty() ? null : revisions.get(revisions.size() - 1);
            return new Shown(Where.of(store), cluster.get(), store.readEngineState(name).orElse(null), current,
                    store.clusterFile(name), store.runtimeDir(name), copies.list(name));
        } catch (IOException e) {
            throw readFailure("'" + name + "'", e);
        }
    }

    public History history(String name) {
        try (StateStore store = stores.open()) {
            warnUncommitted(store, name);
            List<RevisionInfo> revisions = store.history(name);
            // state written before history existed has current state but no revisions yet
            if (revisions.isEmpty() && store.list().stream().noneMatch(c -> c.name().equals(name))) {
                throw unknown(store, name, revisions);
            }
            return new History(name, Where.of(store), revisions);
        } catch (IOException e) {
            throw readFailure("'" + name + "'", e);
        }
    }

    /** Writes the revision into {@code output}, which must be absent or an empty directory; a failed pull leaves none. */
    public Pulled pull(String name, OptionalLong revision, String output) {
        if (output == null) {
            throw EngineException.missing("the 'state pull' command requires --output <dir>");
        }
        if (output.equals("-")) {
            // '-' is stdout elsewhere; taken as a path it would create a directory named '-'
            throw EngineException.usage("state pull --output - is not supported: a state is a directory tree, not a "
                    + "stream; give a directory (e.g. --output ./" + name + "-state) and archive it if needed");
        }
        Path dir = context.paths().resolve(output);
        boolean created = prepareOutput(dir, output);
        try (StateStore store = stores.open()) {
            RevisionInfo pulled = store.pull(name, revision, dir);
            if (revision.isEmpty()) {
                StateMoveHint.note(context, name, pulled.bytes());
            }
            return new Pulled(pulled, dir, dir.resolve(name + ".json"), dir.resolve(name + ".runtime"));
        } catch (IOException | RuntimeException e) {
            cleanUp(dir, created);
            if (e instanceof IOException io) {
                throw EngineException.runtime("could not pull state '" + name + "': " + io.getMessage());
            }
            throw (RuntimeException) e;
        }
    }

    /** Creates {@code dir} (0700) when absent; returns whether it did. Anything else in the way is refused (exit 4). */
    private static boolean prepareOutput(Path dir, String shown) {
        try {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw EngineException.invalid("refusing to pull into a non-empty directory: " + shown);
                    }
                }
                return false;
            }
            if (Files.exists(dir) || Files.isSymbolicLink(dir)) {
                throw EngineException.invalid("state pull --output must be a directory: " + shown);
            }
            Files2.createPrivateDirectories(dir);
            return true;
        } catch (IOException e) {
            throw EngineException.runtime("could not create " + shown + ": " + e.getMessage());
        }
    }

    /** Leaves the output as it was: removes the directory if this pull created it, else empties it. */
    private static void cleanUp(Path dir, boolean created) {
        if (created) {
            Files2.deleteQuietly(dir);
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.forEach(Files2::deleteQuietly);
        } catch (IOException ignored) {
            // best effort: the error being reported matters more
        }
    }

    /** The one WARN while a failed run's state is kept uncommitted for {@code name} (before any exit 3 for it). */
    private ErroredCopies warnUncommitted(StateStore store, String name) {
        ErroredCopies copies = new ErroredCopies(store.location());
        copies.warning(name).ifPresent(context.log()::warn);
        return copies;
    }

    /** Exit 3 naming the backend; a destroyed cluster says so and points at its history. */
    static EngineException unknown(StateStore store, String name, List<RevisionInfo> revisions) {
        if (!revisions.isEmpty() && revisions.get(revisions.size() - 1).removed()) {
            RevisionInfo last = revisions.get(revisions.size() - 1);
            return EngineException.missing("state '" + name + "' was removed by revision " + last.revision() + " ("
                    + last.command() + " by " + last.who() + " at " + last.createdAt() + "); 'state history " + name
                    + "' lists its revisions");
        }
        return EngineException.missing("no state named '" + name + "' in " + store.backendName());
    }

    private static EngineException readFailure(String what, IOException e) {
        return EngineException.runtime("could not read profile state for " + what + ": " + e.getMessage());
    }
}
