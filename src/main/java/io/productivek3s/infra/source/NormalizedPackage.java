package io.productivek3s.infra.source;

import io.productivek3s.infra.pkg.ProfileManifest;

/**
 * A {@code profile.tgz} produced from a source profile (docs/contract/source.md#normalized-package), already validated like {@code profile
 * validate} would.
 *
 * @param sha256   lowercase hex digest of the archive bytes written
 * @param size     archive size in bytes
 * @param manifest the parsed {@code profile.yaml} of the archive
 * @param profile  the source profile it was built from ({@code displayPath()} is the export {@code subject.ref})
 */
public record NormalizedPackage(String sha256, long size, ProfileManifest manifest, SourceProfile profile) {
}
