package io.productivek3s.infra.state;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Per-profile runtime state (docs/contract/state-files.md), keyed by a validated {@code metadata.name}.
 *
 * <p>{@link #clusterFile} and {@link #runtimeDir} are local paths because {@code pk3s} and the scenarios read them
 * there; a shared backend materializes them locally. All other operations are backend-neutral. Every method rejects
 * an invalid name with exit 4 before touching anything. {@link #restore}, {@link #persist} and {@link #remove} expect
 * the caller to hold {@link #lock} for the name, and so do {@link #rollback}.
 *
 * <p>Backends (chosen by {@code PK3S_STATE_BACKEND}, see {@code state.backends.StateBackends}): the local directory (the default,
 * layout of docs/contract/state-files.md#layout) and a shared PostgreSQL database, which also keeps that local layout up to date as a mirror
 * because {@code pk3s} reads it. Every persist and remove is a new revision; history is kept per name.
 */
public interface StateStore extends AutoCloseable {
    /** The variable that chooses the backend (see {@code state.backends.StateBackends}, which opens it). */
    String BACKEND_VARIABLE = "PK3S_STATE_BACKEND";

    /** Where this store keeps state, for messages and for {@code pk3s}-visible paths. */
    Path location();

    /**
     * How messages name this backend: the state directory for local state, {@code postgresql://user@host:port/db}
     * for a database (never with a password).
     */
    default String backendName() {
        return location().toString();
    }

    /** The local directory that mirrors a shared backend for {@code pk3s}; empty when the backend is that directory. */
    default Optional<Path> mirror() {
        return Optional.empty();
    }

    /** {@code <name>.json}, the copy of {@code cluster.json} that {@code pk3s} reads. */
    Path clusterFile(String name);

    /** {@code <name>.runtime}, the persisted {@code generated/} and OpenTofu state. */
    Path runtimeDir(String name);

    /**
     * Takes the exclusive per-profile lock for {@code request.holder()}, waiting up to {@code request.timeout()};
     * still held elsewhere → exit 4 {@code profile state for '<name>' is locked by another run: <lock>} followed by
     * the holder's {@link LockHolder#describe()} when known. Leftovers of an interrupted run are repaired once the
     * lock is held.
     */
    StateLock lock(String name, LockRequest request) throws IOException;

    /** Copies persisted state into {@code scenarioDir} (docs/contract/state-files.md#restore); a profile without state leaves it untouched. */
    void restore(String name, Path scenarioDir) throws IOException;

    /**
     * The run is done with {@code scenarioDir}, restored by {@link #restore} (and perhaps persisted): called under the
     * lock, before the directory is deleted. A store may take back what it lent there (the local stores remove the
     * scenario's hard links to provider binaries, so that deleting the run's directory later does not change those
     * files' change time behind the digest memo; docs/state.md "Digest memo"). Never changes the stored state.
     */
    default void release(String name, Path scenarioDir) throws IOException {
    }

    /** Saves {@code scenarioDir}'s {@code generated/} and OpenTofu state with {@code metadata} (docs/contract/state-files.md#persist). */
    PersistResult persist(String name, Path scenarioDir, EngineState metadata) throws IOException;

    /**
     * As {@link #persist}, for a command that only reads the infrastructure ({@code profile status}): when the
     * captured tree is the current revision's but for {@code engine-state.json} (which records when the command ran),
     * nothing is written and the result is empty, so polling never grows the history (docs/state.md "History").
     */
    Optional<PersistResult> persistIfChanged(String name, Path scenarioDir, EngineState metadata) throws IOException;

    /** Deletes the profile's state after a successful destroy (docs/contract/state-files.md#remove); absent state is not an error. */
    void remove(String name) throws IOException;

    /** The profile's {@code engine-state.json}; empty when absent or malformed. */
    Optional<EngineState> readEngineState(String name) throws IOException;

    /** Every cluster that has current state (a removed one is not listed), sorted by name. */
    List<ClusterInfo> list() throws IOException;

    /**
     * Every name this backend knows, sorted: clusters with current state and clusters whose history outlived them (a
     * destroy), so {@code state migrate} copies both.
     */
    List<String> names() throws IOException;

    /** The name's revisions, oldest first; empty when it never had state. */
    List<RevisionInfo> history(String name) throws IOException;

    /**
     * Writes revision {@code revision} (default: the current one) of {@code name} to {@code outputDir} in the
     * runtime layout ({@code <name>.json} beside {@code <name>.runtime/}), verifying every file's digest. Unknown
     * name or revision → exit 3. Needs no lock: revisions are immutable.
     */
    RevisionInfo pull(String name, OptionalLong revision, Path outputDir) throws IOException;

    /**
     * Makes revision {@code revision}'s tree current again as a new revision written by {@code holder} with
     * command {@code state rollback}; the infrastructure itself is untouched. Unknown revision → exit 3.
     */
    RevisionInfo rollback(String name, long revision, LockHolder holder) throws IOException;

    /**
     * Copies one revision from another store ({@code state migrate}): {@code pulledDir} holds what
     * {@link #pull} wrote for it, {@code meta} its record, whose number, author, time, command and outcome are kept.
     * Revisions are imported oldest first; the last one imported becomes current (or removed, if it was). Idempotent:
     * a revision with the same number and tree digest already present is returned unchanged; the same number with
     * another digest → exit 4. The caller holds the lock for the name.
     */
    RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException;

    /**
     * Rewrites every kept revision of {@code name} as this store writes now, in place ({@code state rekey},
     * {@code state migrate --encrypt|--decrypt}; docs/state.md "Mixed state, rotation, migration"): each revision is
     * read with any key the store knows and stored again under its current key, or plain when it writes plain; its
     * number, metadata and tree do not change. Each record is replaced in one step after its objects are stored, so a
     * crash leaves every revision readable; objects no revision references any more are collected at the end. The
     * caller holds the lock for the name. Returns the revisions rewritten, oldest first.
     */
    List<RevisionInfo> rewrite(String name) throws IOException;

    /** Who holds the name's lock right now (read only: nothing is taken); empty when nobody does or it is unknown. */
    Optional<LockHolder> lockHolder(String name) throws IOException;

    /** Breaks the name's lock whoever holds it; returns the holder it broke, empty when it was not locked. */
    Optional<LockHolder> forceUnlock(String name) throws IOException;

    /**
     * Refuses (exit 4) when {@code name}'s state is held up by something only a human can decide, such as a commit
     * journal no run can act on (docs/state.md); read-only commands that show the current state call it first.
     */
    default void requireDecidable(String name) throws IOException {
    }

    /** Releases connections; a local store has nothing to release. */
    @Override
    default void close() throws IOException {
    }

    /**
     * Aligns {@code telemetry.enabled} in the restored {@code <scenarioDir>/generated/cluster.json} with the run's
     * consent decision (docs/telemetry.md#who-decides), so a scenario re-exporting persisted values cannot re-enable telemetry. Returns
     * whether the file changed. A {@code cluster.json} that is not a JSON object is an {@link IOException}.
     */
    static boolean alignTelemetry(Path scenarioDir, boolean enabled) throws IOException {
        return ClusterJson.alignTelemetry(scenarioDir.resolve("generated").resolve("cluster.json"), enabled);
    }
}
