package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.nio.file.Path;

/**
 * Reading {@code profile.tgz} packages (contract §8.1–§8.3, D11, D19).
 *
 * <p>Both operations apply the same validation in one streaming pass. Failures are exit-4
 * {@link EngineException}s: {@code could not extract tgz package: <displayPath>} (not a readable gzip tar),
 * {@code profile package contains an unsafe entry: <entry>}, {@code profile package exceeds extraction limits:
 * <detail>}, {@code profile package is missing profile.yaml}.
 */
public final class ProfileArchive {
    private ProfileArchive() {
    }

    /**
     * Validates the package and lists it without writing anything to disk (what {@code profile validate} uses).
     *
     * @param displayPath the path as the caller gave it, for messages
     */
    public static PackageListing scan(Path tgz, String displayPath, ExtractionLimits limits) {
        return ArchiveWalk.run(tgz, displayPath, limits, ArchiveSink.DISCARD);
    }

    /**
     * Validates and extracts the package into {@code destination}, an existing empty private directory the caller
     * created (and later deletes). Directories get mode 0700, files 0700 when the member had an execute bit and
     * 0600 otherwise; ownership and setuid/setgid/sticky bits are dropped. On failure everything written under
     * {@code destination} is removed before the exception propagates.
     *
     * @return the package root: {@code destination} (real path) or its single wrapper directory
     */
    public static Path extract(Path tgz, String displayPath, Path destination, ExtractionLimits limits) {
        Path root = SafeArchive.emptyDirectory(destination);
        try {
            PackageListing listing = ArchiveWalk.run(tgz, displayPath, limits, new DiskSink(root));
            return listing.rootPrefix().isEmpty() ? root : root.resolve(listing.rootPrefix());
        } catch (RuntimeException e) {
            SafeArchive.clearContents(root);
            throw e;
        }
    }
}
