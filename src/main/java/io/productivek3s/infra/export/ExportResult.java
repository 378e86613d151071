package io.productivek3s.infra.export;

import io.productivek3s.infra.pkg.ProfileManifest;
import java.nio.file.Path;
import java.util.List;

/**
 * A published bundle.
 *
 * @param output          where it was written (absolute)
 * @param profile         the package's manifest
 * @param sha256          digest of the bundled {@code profile.tgz}
 * @param packageRef      the package as the user named it ({@code --tgz}, or the source profile for source exports)
 * @param packagePath     the local package file that was bundled
 * @param sensitiveInputs inputs declared {@code sensitive: true} that the bundled {@code override.env} assigns, in
 *                        manifest order; empty when the bundle carries no secrets
 */
public record ExportResult(Path output, ProfileManifest profile, String sha256, String packageRef, String packagePath,
                           List<String> sensitiveInputs) {
    public ExportResult {
        sensitiveInputs = List.copyOf(sensitiveInputs);
    }
}
