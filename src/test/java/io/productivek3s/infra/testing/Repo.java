package io.productivek3s.infra.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Locates the repository root and the shared reference data beside it. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("productive-k3s-infra.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("repository root not found from " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** {@code shared/} (spec and reference data): a sibling of the checkout, or any ancestor's child. */
    public static Optional<Path> shared() {
        for (Path dir = root(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isRegularFile(candidate.resolve("spec/CONTRACT.md"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code shared/reference-data}, or a skipped (aborted) test saying where it was looked for. */
    public static Path referenceData() {
        return shared().map(s -> s.resolve("reference-data"))
                .orElseThrow(() -> new org.opentest4j.TestAbortedException("shared/spec/CONTRACT.md not found in any parent of "
                        + root() + "; the shared reference data must sit beside the repository"));
    }

    /** A path inside {@code shared/reference-data}, or a skipped test when it is missing. */
    public static Path referenceData(String rel) {
        Path path = referenceData().resolve(rel);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(path), "missing " + path);
        return path;
    }
}
