package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import java.util.Optional;

/** {@code NAME} or {@code NAME@VERSION} (docs/catalogs.md#resolution step 3); the version must match an entry exactly. */
public record CatalogReference(String name, Optional<String> version) {

    public static CatalogReference parse(String value) {
        int at = value.lastIndexOf('@');
        if (at < 0) {
            if (value.isBlank()) {
                throw invalid(value);
            }
            return new CatalogReference(value, Optional.empty());
        }
        String name = value.substring(0, at);
        String version = value.substring(at + 1);
        if (name.isBlank() || version.isBlank()) {
            throw invalid(value);
        }
        return new CatalogReference(name, Optional.of(version));
    }

    @Override
    public String toString() {
        return version.map(v -> name + "@" + v).orElse(name);
    }

    private static EngineException invalid(String value) {
        return EngineException.usage("invalid catalog reference: '" + value + "' (use NAME or NAME@VERSION)");
    }
}
