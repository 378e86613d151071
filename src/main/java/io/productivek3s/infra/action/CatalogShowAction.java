package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogReference;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.JsonEnvelope;
import java.io.PrintStream;

/** {@code catalog show NAME[@VERSION] [--json]} [New]: one profile entry, resolved as {@code --tgz} would (docs/catalogs.md#resolution). */
public final class CatalogShowAction {
    private final EngineContext context;
    private final boolean offline;

    public CatalogShowAction(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    public int run(String name, boolean json) {
        if (name.isEmpty()) {
            throw EngineException.missing("the 'catalog show' command requires a profile name (NAME or NAME@VERSION)");
        }
        context.release().checkBinding();
        CatalogReference reference = CatalogReference.parse(name);
        CatalogIndex index = ArtifactServices.create(context, offline).catalogs().load();
        CatalogEntry entry = CatalogResolver.find(index, reference);
        PrintStream out = context.log().stdout();
        if (json) {
            ObjectNode document = JsonEnvelope.start("catalog show");
            document.set("catalog", CatalogDocuments.catalog(index));
            document.set("entry", CatalogDocuments.entry(entry));
            out.print(Json.pretty(document));
        } else {
            out.print(CatalogDocuments.sheet(entry));
            out.println(CatalogDocuments.catalogLine(index));
        }
        out.flush();
        return 0;
    }
}
