package io.productivek3s.infra.pkg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared spec/reference-data directory that lives beside the repository (a {@code shared/} sibling of
 * the checkout or of one of its ancestors). Tests that need it are skipped when it is absent.
 */
final class SharedData {
    private SharedData() {
    }

    static Optional<Path> find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isRegularFile(candidate.resolve("spec/CONTRACT.md"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code shared/reference-data/<rel>}, or the calling test is skipped. */
    static Path referenceData(String rel) {
        Optional<Path> shared = find();
        Assumptions.assumeTrue(shared.isPresent(), "shared/ directory with spec/CONTRACT.md not found");
        Path path = shared.get().resolve("reference-data").resolve(rel);
        Assumptions.assumeTrue(Files.exists(path), "reference data not found: " + path);
        return path;
    }
}
