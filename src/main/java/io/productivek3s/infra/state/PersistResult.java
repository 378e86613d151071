package io.productivek3s.infra.state;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link StateStore#persist} wrote, for the {@code Persisted profile state: <clusterFile>} and
 * {@code Persisted profile runtime state: <runtimeDir>} lines (docs/contract/output.md#progress-lines). {@code clusterFile} is empty when the
 * scenario produced no {@code cluster.json}. {@code revision}: the revision committed, when the store keeps history
 * (its size tells the launcher whether an encrypted pull of it needs C2: docs/performance.md "Small encrypted pulls
 * on C1").
 */
public record PersistResult(Optional<Path> clusterFile, Path runtimeDir, Optional<RevisionInfo> revision) {
    public PersistResult {
        Objects.requireNonNull(clusterFile, "clusterFile");
        Objects.requireNonNull(runtimeDir, "runtimeDir");
        Objects.requireNonNull(revision, "revision");
    }

    /** Published files, before a revision is known (the mirror's part of a persist). */
    public PersistResult(Optional<Path> clusterFile, Path runtimeDir) {
        this(clusterFile, runtimeDir, Optional.empty());
    }

    public PersistResult withRevision(RevisionInfo committed) {
        return new PersistResult(clusterFile, runtimeDir, Optional.of(committed));
    }
}
