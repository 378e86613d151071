package io.productivek3s.infra.catalog;

import java.util.List;
import java.util.Optional;

/**
 * One {@code entries[]} item of a catalog index (docs/catalogs.md#index-format). Optional fields are null when absent; an
 * {@code artifact.url: null} (protected/commercial entries) is a null {@code artifactUrl}. {@code artifact.signature}
 * is the URL of the package's OpenSSH signature, absolute or relative to the artifact URL (docs/signing.md).
 */
public record CatalogEntry(
        String id,
        String name,
        String metadataName,
        String kind,
        String visibility,
        String category,
        String description,
        String version,
        String sourceRepository,
        String artifactType,
        String artifactUrl,
        String artifactSha256,
        String artifactSignature,
        Commercial commercial,
        Install install,
        List<String> tags) {

    public CatalogEntry {
        tags = List.copyOf(tags);
    }

    /** How to get access to an entry without a public artifact. */
    public record Commercial(String label, String url) {
    }

    /** {@code install}: whether overrides are required and the inputs (same fields as docs/contract/package.md#inputs). */
    public record Install(boolean requiresLocalOverrides, List<Input> inputs) {
        public Install {
            inputs = List.copyOf(inputs);
        }
    }

    public record Input(String name, boolean required, boolean sensitive, String source, String description) {
    }

    /** Lookup rule of docs/catalogs.md#resolution step 3: {@code name}, {@code id} or an entry-level {@code metadata.name}. */
    public boolean answersTo(String requested) {
        return requested.equals(name) || requested.equals(id) || requested.equals(metadataName);
    }

    public Optional<String> downloadUrl() {
        return Optional.ofNullable(artifactUrl).filter(url -> !url.isBlank());
    }

    public Optional<Install> installInfo() {
        return Optional.ofNullable(install);
    }
}
