package io.productivek3s.infra.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the repository root and the test fixtures it carries ({@code src/test/resources/fixtures}). A fresh clone
 * has everything the tests need: nothing is looked up beside the checkout, so nothing is ever skipped for lack of it.
 */
public final class Repo {
    /** Opt-in extra check: {@code -Dpk3s.referenceData=<dir>} adds the full upstream reference data to shape tests. */
    public static final String REFERENCE_DATA_PROPERTY = "pk3s.referenceData";

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

    /** The fixture tree; its layout mirrors the upstream repositories (profiles, catalogs, infra test fixtures). */
    public static Path fixtures() {
        return root().resolve("src/test/resources/fixtures");
    }

    /** A file or directory of the fixture tree; a missing one fails the test (it is part of the repository). */
    public static Path fixture(String rel) {
        Path path = fixtures().resolve(rel);
        if (!Files.exists(path)) {
            throw new AssertionError("test fixture missing from the repository: " + path);
        }
        return path;
    }

    /**
     * Roots with the fixture layout that shape tests walk: our fixtures, plus the upstream reference data when the
     * caller opted in with {@value #REFERENCE_DATA_PROPERTY} (a wrong path fails rather than quietly testing less).
     */
    public static List<Path> shapeRoots() {
        List<Path> roots = new ArrayList<>(List.of(fixtures()));
        String extra = System.getProperty(REFERENCE_DATA_PROPERTY, "");
        if (!extra.isBlank()) {
            Path dir = Path.of(extra).toAbsolutePath();
            if (!Files.isDirectory(dir.resolve("productive-k3s-profiles"))) {
                throw new AssertionError(REFERENCE_DATA_PROPERTY + " does not name a reference-data directory: " + dir);
            }
            roots.add(dir);
        }
        return roots;
    }
}
