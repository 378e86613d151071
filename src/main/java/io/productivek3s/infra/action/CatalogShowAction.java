package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogReference;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.run.EngineContext;

/** {@code catalog show NAME[@VERSION] [--json]} [New]: one profile entry, resolved as {@code --tgz} would (docs/catalogs.md#resolution). */
public final class CatalogShowAction {
    private final EngineContext context;
    private final boolean offline;

    /** The catalog that loaded and the entry the name resolved to. */
    public record Shown(CatalogIndex index, CatalogEntry entry) {
    }

    public CatalogShowAction(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    public Shown run(String name) {
        if (name.isEmpty()) {
            throw EngineException.missing("the 'catalog show' command requires a profile name (NAME or NAME@VERSION)");
        }
        context.release().checkBinding();
        CatalogReference reference = CatalogReference.parse(name);
        CatalogIndex index = ArtifactServices.create(context, offline).catalogs().load();
        return new Shown(index, CatalogResolver.find(index, reference));
    }
}
