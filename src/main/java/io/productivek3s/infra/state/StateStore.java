package io.productivek3s.infra.state;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Per-profile runtime state (contract §14), keyed by a validated {@code metadata.name}.
 *
 * <p>{@link #clusterFile} and {@link #runtimeDir} are local paths because {@code pk3s} and the scenarios read them
 * there; a shared backend materializes them locally. All other operations are backend-neutral. Every method rejects
 * an invalid name with exit 4 before touching anything. {@link #restore}, {@link #persist} and {@link #remove} expect
 * the caller to hold {@link #lock} for the name.
 */
public interface StateStore {
    /** Where this store keeps state, for messages and for {@code pk3s}-visible paths. */
    Path location();

    /** {@code <name>.json}, the copy of {@code cluster.json} that {@code pk3s} reads. */
    Path clusterFile(String name);

    /** {@code <name>.runtime}, the persisted {@code generated/} and OpenTofu state. */
    Path runtimeDir(String name);

    /**
     * Takes the exclusive per-profile lock without waiting; held elsewhere → exit 4
     * {@code profile state for '<name>' is locked by another run: <lock>}. Leftovers of an interrupted run are
     * repaired once the lock is held.
     */
    StateLock lock(String name) throws IOException;

    /** Copies persisted state into {@code scenarioDir} (§14.4); a profile without state leaves it untouched. */
    void restore(String name, Path scenarioDir) throws IOException;

    /** Saves {@code scenarioDir}'s {@code generated/} and OpenTofu state with {@code metadata} (§14.3). */
    PersistResult persist(String name, Path scenarioDir, EngineState metadata) throws IOException;

    /** Deletes the profile's state after a successful destroy (§14.5); absent state is not an error. */
    void remove(String name) throws IOException;

    /** The profile's {@code engine-state.json}; empty when absent or malformed. */
    Optional<EngineState> readEngineState(String name) throws IOException;

    /**
     * Aligns {@code telemetry.enabled} in the restored {@code <scenarioDir>/generated/cluster.json} with the run's
     * consent decision (§16.1), so a scenario re-exporting persisted values cannot re-enable telemetry. Returns
     * whether the file changed. A {@code cluster.json} that is not a JSON object is an {@link IOException}.
     */
    static boolean alignTelemetry(Path scenarioDir, boolean enabled) throws IOException {
        return ClusterJson.alignTelemetry(scenarioDir.resolve("generated").resolve("cluster.json"), enabled);
    }
}
