package io.productivek3s.infra.export;

import java.nio.file.Path;
import java.util.List;

/**
 * A published bundle.
 *
 * @param output          where it was written (absolute)
 * @param profileName     the package's {@code metadata.name}
 * @param sensitiveInputs inputs declared {@code sensitive: true} that the bundled {@code override.env} assigns, in
 *                        manifest order; empty when the bundle carries no secrets
 */
public record ExportResult(Path output, String profileName, List<String> sensitiveInputs) {
    public ExportResult {
        sensitiveInputs = List.copyOf(sensitiveInputs);
    }
}
