package io.productivek3s.infra.state;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link StateStore#persist} wrote, for the {@code Persisted profile state: <clusterFile>} and
 * {@code Persisted profile runtime state: <runtimeDir>} lines (docs/contract/output.md#progress-lines). {@code clusterFile} is empty when the
 * scenario produced no {@code cluster.json}.
 */
public record PersistResult(Optional<Path> clusterFile, Path runtimeDir) {
    public PersistResult {
        Objects.requireNonNull(clusterFile, "clusterFile");
        Objects.requireNonNull(runtimeDir, "runtimeDir");
    }
}
