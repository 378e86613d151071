package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a {@code --tgz} value into a local archive path. {@link ArtifactPackageSource} is the engine's source (paths,
 * URLs and catalog references, docs/catalogs.md); {@link #localFiles} accepts plain paths only.
 */
public interface PackageSource {
    /** A local archive the engine may read, plus the reference as the user typed it. */
    record Resolved(Path file, String reference) {
    }

    Resolved resolve(String tgz);

    /** Plain local paths, resolved against the caller's directory (docs/contract/env-files.md#override-file-and-relative-paths); missing → exit 3. */
    static PackageSource localFiles(EngineContext context) {
        return tgz -> {
            Path file = context.paths().resolveExisting(tgz);
            if (!Files.isRegularFile(file)) {
                throw Files.exists(file) ? io.productivek3s.infra.catalog.TgzArgument.notAFile(tgz, file)
                        : EngineException.missing("tgz package not found: " + tgz);
            }
            return new Resolved(file, tgz);
        };
    }
}
