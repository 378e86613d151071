package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Safe extraction of any gzip tar with the member rules of docs/contract/package.md#safe-extraction (no absolute or escaping names, no
 * links leaving the tree, no devices, size and entry limits), worded for the archive at hand. Profile packages
 * go through {@link ProfileArchive}, which adds the package-root rules.
 */
public final class SafeArchive {
    private SafeArchive() {
    }

    /**
     * Validates and extracts {@code tgz} into {@code destination}, an existing empty private directory the caller
     * created. Modes as for {@link ProfileArchive#extract}. On failure everything written under {@code destination}
     * is removed before the exception propagates.
     */
    public static ArchiveTree extract(Path tgz, String displayPath, Path destination, ExtractionLimits limits,
            ArchiveWording wording) {
        Path root = emptyDirectory(destination);
        try {
            return ArchiveWalk.run(tgz, displayPath, limits, new DiskSink(root, wording), wording);
        } catch (RuntimeException e) {
            clearContents(root);
            throw e;
        }
    }

    /** The real path of {@code destination}, which must be an existing empty directory. */
    static Path emptyDirectory(Path destination) {
        try {
            Path real = destination.toRealPath();
            if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> children = Files.list(real)) {
                    if (children.findAny().isEmpty()) {
                        return real;
                    }
                }
            }
        } catch (IOException e) {
            // reported below
        }
        throw EngineException.runtime("extraction destination is not an empty directory: " + destination);
    }

    static void clearContents(Path root) {
        List<Path> children;
        try (Stream<Path> list = Files.list(root)) {
            children = list.toList();
        } catch (IOException e) {
            return;
        }
        children.forEach(Files2::deleteQuietly);
    }
}
