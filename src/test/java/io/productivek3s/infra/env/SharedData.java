package io.productivek3s.infra.env;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the shared spec/reference-data directory that sits beside the repository ({@code /work/shared} for
 * worktrees under {@code /work}, {@code ../shared} for a CI clone) by walking up from the working directory.
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

    /** The profiles reference data, or a skipped test with an explanation. */
    static Path profilesOrSkip() {
        Optional<Path> shared = find();
        Assumptions.assumeTrue(shared.isPresent(),
                "shared/spec/CONTRACT.md not found in any parent of " + Path.of("").toAbsolutePath()
                        + "; the shared reference data must sit beside the repository");
        Path profiles = shared.get().resolve("reference-data/productive-k3s-profiles");
        Assumptions.assumeTrue(Files.isDirectory(profiles), "missing " + profiles);
        return profiles;
    }
}
