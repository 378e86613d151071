package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.JsonEnvelope;
import java.io.PrintStream;
import java.util.List;

/** {@code catalog list [--json]} [New]: the profiles of the first catalog that loads (docs/catalogs.md). */
public final class CatalogListAction {
    private final EngineContext context;
    private final boolean offline;

    public CatalogListAction(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    public int run(boolean json) {
        context.release().checkBinding();
        CatalogIndex index = ArtifactServices.create(context, offline).catalogs().load();
        List<CatalogEntry> profiles = index.ofKind(CatalogResolver.PROFILE_KIND);
        PrintStream out = context.log().stdout();
        if (json) {
            ObjectNode document = JsonEnvelope.start("catalog list");
            document.set("catalog", CatalogDocuments.catalog(index));
            ArrayNode list = document.putArray("profiles");
            profiles.forEach(entry -> list.add(CatalogDocuments.entry(entry)));
            out.print(Json.pretty(document));
        } else {
            out.println(CatalogDocuments.catalogLine(index));
            out.print(profiles.isEmpty() ? "No profiles in this catalog.\n" : CatalogDocuments.table(profiles));
        }
        out.flush();
        return 0;
    }
}
