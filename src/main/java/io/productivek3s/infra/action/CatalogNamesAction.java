package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogResolver;
import java.util.List;

/**
 * Profile names of the cached catalog, for shell completion: strictly offline (a tab press must never download)
 * and empty rather than failing when nothing is cached.
 */
public final class CatalogNamesAction {
    private final EngineContext context;

    public CatalogNamesAction(EngineContext context) {
        this.context = context;
    }

    public List<String> names() {
        try {
            return ArtifactServices.create(context, true).catalogs().load().ofKind(CatalogResolver.PROFILE_KIND).stream()
                    .map(CatalogEntry::name).filter(name -> name != null && !name.isEmpty()).distinct().toList();
        } catch (EngineException e) {
            context.log().debug("no cached catalog for completion: " + e.getMessage());
            return List.of();
        }
    }
}
