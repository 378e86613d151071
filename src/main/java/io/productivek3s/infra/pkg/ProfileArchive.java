package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.nio.file.Path;

/**
 * Reading {@code profile.tgz} packages (docs/contract/package.md#layout to docs/contract/package.md#safe-extraction, D11, D19).
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
     * A package read in one pass: what it contains and the sha256 of the whole file, hashed on the way.
     *
     * @param tarBytes uncompressed bytes as counted against {@link ExtractionLimits#maxBytes()}
     * @param members  members and implied paths as counted against {@link ExtractionLimits#maxEntries()}
     */
    public record Scanned(PackageListing listing, String sha256, long tarBytes, long members) {
        /** Whether a package of this size passes {@code limits} (the check a fresh read would make). */
        public boolean within(ExtractionLimits limits) {
            return tarBytes <= limits.maxBytes() && members <= limits.maxEntries();
        }
    }

    /** A package extracted in one pass: its root on disk and what {@link #scanWithDigest} would return. */
    public record Extracted(Path root, Scanned scanned) {
        public String sha256() {
            return scanned.sha256();
        }
    }

    /**
     * Validates the package and lists it without writing anything to disk (what {@code profile validate} uses).
     *
     * @param displayPath the path as the caller gave it, for messages
     */
    public static PackageListing scan(Path tgz, String displayPath, ExtractionLimits limits) {
        return scanWithDigest(tgz, displayPath, limits).listing();
    }

    /** As {@link #scan}, plus the file's sha256 computed in the same read. */
    public static Scanned scanWithDigest(Path tgz, String displayPath, ExtractionLimits limits) {
        return scanned(ArchiveWalk.run(tgz, displayPath, limits, ArchiveSink.DISCARD));
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
        return extractWithDigest(tgz, displayPath, destination, limits).root();
    }

    /** As {@link #extract}, plus the listing and the file's sha256, all from the one read that extracts. */
    public static Extracted extractWithDigest(Path tgz, String displayPath, Path destination, ExtractionLimits limits) {
        Path root = SafeArchive.emptyDirectory(destination);
        try {
            ArchiveWalk.Result result = ArchiveWalk.run(tgz, displayPath, limits, new DiskSink(root));
            String prefix = result.listing().rootPrefix();
            return new Extracted(prefix.isEmpty() ? root : root.resolve(prefix), scanned(result));
        } catch (RuntimeException e) {
            SafeArchive.clearContents(root);
            throw e;
        }
    }

    private static Scanned scanned(ArchiveWalk.Result result) {
        return new Scanned(result.listing(), result.sha256(), result.tarBytes(), result.members());
    }
}
