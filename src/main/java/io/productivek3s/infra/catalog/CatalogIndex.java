package io.productivek3s.infra.catalog;

import io.productivek3s.infra.sign.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * A parsed {@code catalogs/index.yaml} (docs/catalogs.md#index-format).
 *
 * @param source      where it was loaded from, as configured (path or URL without credentials)
 * @param version     {@code metadata.version} (versioned catalogs, 0.9.65), else null
 * @param sha256      digest of the loaded bytes
 * @param verified    true when the bytes were checked against a published {@code index.yaml.sha256}
 * @param signature   the check of {@code index.yaml.sig} (docs/signing.md), when the loader made one
 */
public record CatalogIndex(String source, String name, String version, String generatedAt, List<CatalogEntry> entries,
                           String sha256, boolean verified, Optional<Verdict> signature) {
    public static final String API_VERSION = "catalogs.productive-k3s.io/v1alpha1";
    public static final String KIND = "ProductiveK3SCatalog";

    public CatalogIndex {
        entries = List.copyOf(entries);
    }

    /** The same index with the verdict on its signature. */
    public CatalogIndex signed(Verdict verdict) {
        return new CatalogIndex(source, name, version, generatedAt, entries, sha256, verified, Optional.of(verdict));
    }

    /** Whether a trusted signer vouches for every digest in this index. */
    public boolean signedByTrustedKey() {
        return signature.map(verdict -> verdict.status() == Verdict.Status.GOOD).orElse(false);
    }

    /** Entries of one kind in file order (the engine looks at {@code profile}). */
    public List<CatalogEntry> ofKind(String kind) {
        return entries.stream().filter(entry -> entry.kind().equals(kind)).toList();
    }
}
