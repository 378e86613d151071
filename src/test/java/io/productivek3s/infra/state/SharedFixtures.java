package io.productivek3s.infra.state;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code shared/reference-data} beside the checkout (any ancestor of the working directory). */
final class SharedFixtures {
    private SharedFixtures() {
    }

    /** A file of {@code reference-data/productive-k3s-infra/test-fixtures}; skips the test when shared is absent. */
    static Path infraFixture(String file) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path shared = dir.resolve("shared");
            if (Files.isRegularFile(shared.resolve("spec").resolve("CONTRACT.md"))) {
                Path fixture = shared.resolve("reference-data/productive-k3s-infra/test-fixtures").resolve(file);
                assumeTrue(Files.isRegularFile(fixture), "fixture missing: " + fixture);
                return fixture;
            }
        }
        assumeTrue(false, "shared/spec/CONTRACT.md not found above " + Path.of("").toAbsolutePath());
        throw new IllegalStateException("unreachable");
    }
}
