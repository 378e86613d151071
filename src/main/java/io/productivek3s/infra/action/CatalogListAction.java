package io.productivek3s.infra.action;

import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.run.EngineContext;
import java.util.List;

/** {@code catalog list [--json]} [New]: the profiles of the first catalog that loads (docs/catalogs.md). */
public final class CatalogListAction {
    private final EngineContext context;
    private final boolean offline;

    /** The catalog that loaded and its profile entries, in index order. */
    public record Listing(CatalogIndex index, List<CatalogEntry> profiles) {
        public Listing {
            profiles = List.copyOf(profiles);
        }
    }

    public CatalogListAction(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    public Listing run() {
        context.release().checkBinding();
        CatalogIndex index = ArtifactServices.create(context, offline).catalogs().load();
        return new Listing(index, index.ofKind(CatalogResolver.PROFILE_KIND));
    }
}
