package io.productivek3s.infra.catalog;

import java.util.List;

/**
 * A parsed {@code catalogs/index.yaml} (docs/catalogs.md#index-format).
 *
 * @param source      where it was loaded from, as configured (path or URL without credentials)
 * @param version     {@code metadata.version} (versioned catalogs, 0.9.65), else null
 * @param sha256      digest of the loaded bytes
 * @param verified    true when the bytes were checked against a published {@code index.yaml.sha256}
 */
public record CatalogIndex(String source, String name, String version, String generatedAt, List<CatalogEntry> entries,
                           String sha256, boolean verified) {
    public static final String API_VERSION = "catalogs.productive-k3s.io/v1alpha1";
    public static final String KIND = "ProductiveK3SCatalog";

    public CatalogIndex {
        entries = List.copyOf(entries);
    }

    /** Entries of one kind in file order (the engine looks at {@code profile}). */
    public List<CatalogEntry> ofKind(String kind) {
        return entries.stream().filter(entry -> entry.kind().equals(kind)).toList();
    }
}
